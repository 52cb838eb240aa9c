import React, {memo, useEffect, useState} from 'react';
import type {HostModel} from '../model/types.js';
import {LineView} from './LineView.js';
import {headerLine} from '../present/header-line.js';

/** How often the header looks at the clock: the scan's age is told in minutes. */
const TICK_MS = 15_000;

/** One line: source (LIVE / TREE / RECORDED), WRITES ON while the keys that write are on, kernel, host, modules, container, IOMMU groups, when scanned, origin. */
export const Header = memo(function Header({model, width, writes = false}: {model: HostModel; width: number; writes?: boolean}) {
	const [now, setNow] = useState(() => Date.now());
	useEffect(() => {
		const timer = setInterval(() => setNow(Date.now()), TICK_MS);
		// The clock alone never keeps mdevscope running.
		timer.unref();
		return () => clearInterval(timer);
	}, []);
	return <LineView line={headerLine(model, width, now, {writes})} width={width} />;
});
