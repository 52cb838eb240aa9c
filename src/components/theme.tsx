// Colour is an extra, never the message: with NO_COLOR (https://no-color.org) no tone has any style
// at all, and everything still reads from the text (markers `[*]`, `>`, `!`, `+`/`-`).
// Ink's chalk does not look at NO_COLOR (only FORCE_COLOR), so the choice is made here, once.

import React, {createContext, useContext, type ReactNode} from 'react';
import type {TextProps} from 'ink';
import type {Tone} from '../present/line.js';

export interface Theme {
	color: boolean;
}

const ThemeContext = createContext<Theme>({color: false});

export function ThemeProvider({theme, children}: {theme: Theme; children: ReactNode}) {
	return <ThemeContext.Provider value={theme}>{children}</ThemeContext.Provider>;
}

export function useTheme(): Theme {
	return useContext(ThemeContext);
}

/** NO_COLOR set to anything but the empty string turns colour off (no-color.org). */
export function colorFromEnv(env: NodeJS.ProcessEnv): boolean {
	return env['NO_COLOR'] === undefined || env['NO_COLOR'] === '';
}

const STYLES: Record<Tone, TextProps> = {
	plain: {},
	title: {bold: true},
	cursor: {inverse: true},
	selected: {bold: true},
	error: {color: 'red'},
	warn: {color: 'yellow'},
	ok: {color: 'green'},
	dim: {dimColor: true},
	key: {color: 'cyan'},
	source: {inverse: true},
	match: {underline: true, bold: true},
};

export function toneProps(theme: Theme, tone: Tone | undefined): TextProps {
	if (!theme.color || !tone) return {};
	return STYLES[tone];
}
