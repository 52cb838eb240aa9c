import React, {memo} from 'react';
import type {HostModel} from '../model/types.js';
import {LineView} from './LineView.js';
import {headerLine} from '../present/header-line.js';

/** One line: source (LIVE / TREE / RECORDED), kernel, host, modules, container, IOMMU groups, origin. */
export const Header = memo(function Header({model, width}: {model: HostModel; width: number}) {
	return <LineView line={headerLine(model, width)} width={width} />;
});
