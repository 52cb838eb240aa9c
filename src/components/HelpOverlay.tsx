import React from 'react';
import {TextOverlay} from './TextOverlay.js';
import type {Line} from '../present/line.js';

/** The `?` screen: the key table and legend (help-lines.ts), framed and scrollable. */
export function HelpOverlay({lines, scroll, width, height}: {lines: Line[]; scroll: number; width: number; height: number}) {
	return <TextOverlay title="Help: ? or Esc closes" lines={lines} scroll={scroll} width={width} height={height} />;
}
