/**
 * The charts' colours, taken from JupyterLab's theme.
 *
 * Plotly draws with colours of its own (dark grey text on white), which are
 * unreadable in a dark theme; CSS cannot reach into its SVG. So the theme's
 * CSS variables are read from the page and handed to plotly, and read again
 * when JupyterLab changes theme.
 */

import type { Layout } from "plotly.js-cartesian-dist-min";

export interface PlotTheme {
	/** True when the theme's background is dark. */
	dark: boolean;
	/** Titles, axis labels and ticks. */
	text: string;
	/** Grid lines. */
	grid: string;
	/** Axis and zero lines. */
	line: string;
	fontFamily: string;
}

/** JupyterLab's variables, with the light theme's values where one is unset. */
const VARIABLES = {
	background: ["--jp-layout-color0", "#ffffff"],
	text: ["--jp-ui-font-color1", "rgba(0, 0, 0, 0.87)"],
	grid: ["--jp-border-color2", "#e0e0e0"],
	line: ["--jp-border-color1", "#bdbdbd"],
	fontFamily: ["--jp-ui-font-family", "system-ui, sans-serif"],
} as const;

/** The theme from a reader of CSS variables (empty text when one is unset). */
export function themeFrom(read: (name: string) => string): PlotTheme {
	const value = (key: keyof typeof VARIABLES): string => {
		const [name, fallback] = VARIABLES[key];
		return read(name).trim() || fallback;
	};
	return {
		dark: isDark(value("background")),
		text: value("text"),
		grid: value("grid"),
		line: value("line"),
		fontFamily: value("fontFamily"),
	};
}

/**
 * The theme in force where `element` is drawn. A view not yet in the page
 * has no computed style, so the document's root is read instead.
 */
export function readTheme(element: Element): PlotTheme {
	const source = element.isConnected ? element : document.documentElement;
	const style = getComputedStyle(source);
	return themeFrom((name) => style.getPropertyValue(name));
}

/** Layout settings every chart shares: theme colours, no background. */
export function themedLayout(theme: PlotTheme): Layout {
	return {
		font: { family: theme.fontFamily, size: 11, color: theme.text },
		paper_bgcolor: "rgba(0,0,0,0)",
		plot_bgcolor: "rgba(0,0,0,0)",
	};
}

/** An axis in the theme's colours; `extra` adds the axis's own settings. */
export function themedAxis(
	theme: PlotTheme,
	extra: Record<string, unknown> = {},
): Record<string, unknown> {
	return {
		color: theme.text,
		gridcolor: theme.grid,
		linecolor: theme.line,
		zerolinecolor: theme.line,
		...extra,
	};
}

/** A chart title in the theme's text colour. */
export function themedTitle(theme: PlotTheme, text: string): Layout {
	return { text, font: { size: 12, color: theme.text } };
}

/**
 * The confusion matrix's scale, from few samples to many: light to dark blue
 * on a light background, dark to light blue on a dark one, so that the
 * diagonal stands out either way.
 */
export function confusionScale(theme: PlotTheme): [number, string][] {
	return theme.dark
		? [
				[0, "#1b2836"],
				[1, "#6baed6"],
			]
		: [
				[0, "#f7fbff"],
				[1, "#08306b"],
			];
}

/**
 * Whether a CSS colour ("#222", "#212121", "rgb(33, 33, 33)", "rgba(...)")
 * is dark: its relative luminance is under one half. Unreadable text counts
 * as light, the default theme.
 */
export function isDark(color: string): boolean {
	const rgb = parseColor(color);
	if (!rgb) {
		return false;
	}
	const [r, g, b] = rgb.map((channel) => {
		const c = channel / 255;
		return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
	}) as [number, number, number];
	return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5;
}

/** Red, green and blue (0-255) of a hex or rgb()/rgba() colour; null if neither. */
export function parseColor(color: string): [number, number, number] | null {
	const text = color.trim().toLowerCase();
	const hex = /^#([0-9a-f]{3,8})$/.exec(text)?.[1];
	if (hex && [3, 4, 6, 8].includes(hex.length)) {
		const wide =
			hex.length <= 4 ? [...hex].map((digit) => digit + digit).join("") : hex;
		return [0, 2, 4].map((i) => Number.parseInt(wide.slice(i, i + 2), 16)) as [
			number,
			number,
			number,
		];
	}
	const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(text);
	if (rgb) {
		return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
	}
	return null;
}

/**
 * Calls `onChange` whenever JupyterLab switches theme (it marks the body with
 * the theme's name and lightness); returns the function that stops watching.
 */
export function watchTheme(onChange: () => void): () => void {
	const observer = new MutationObserver(() => onChange());
	observer.observe(document.body, {
		attributes: true,
		attributeFilter: ["data-jp-theme-light", "data-jp-theme-name"],
	});
	return () => observer.disconnect();
}
