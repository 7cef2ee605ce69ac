/**
 * The part of plotly.js the inspector uses. The package ships no types, and
 * `@types/plotly.js` follows the full library, not this partial bundle.
 */
declare module "plotly.js-cartesian-dist-min" {
	export type Datum = string | number | null;

	export interface Trace {
		type: "bar" | "heatmap";
		[attribute: string]: unknown;
	}

	export interface Layout {
		[attribute: string]: unknown;
	}

	export interface Config {
		displayModeBar?: boolean;
		responsive?: boolean;
		[option: string]: unknown;
	}

	const Plotly: {
		react(
			root: HTMLElement,
			data: Trace[],
			layout?: Layout,
			config?: Config,
		): Promise<HTMLElement>;
		purge(root: HTMLElement): void;
	};
	export default Plotly;
}
