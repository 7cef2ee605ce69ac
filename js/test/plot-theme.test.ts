// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import {
	confusionScale,
	isDark,
	parseColor,
	themeFrom,
	watchTheme,
} from "../src/plot-theme";

// JupyterLab Dark's values, as the page's computed style gives them.
const DARK: Record<string, string> = {
	"--jp-layout-color0": " #111111",
	"--jp-ui-font-color1": " rgba(255, 255, 255, 1)",
	"--jp-border-color1": " #616161",
	"--jp-border-color2": " #424242",
	"--jp-ui-font-family": " system-ui, sans-serif",
};

describe("the charts' theme", () => {
	it("takes JupyterLab Dark's colours and knows it is dark", () => {
		const theme = themeFrom((name) => DARK[name] ?? "");

		expect(theme).toEqual({
			dark: true,
			text: "rgba(255, 255, 255, 1)",
			grid: "#424242",
			line: "#616161",
			fontFamily: "system-ui, sans-serif",
		});
		expect(confusionScale(theme)[1]?.[1]).toBe("#6baed6");
	});

	it("falls back to light colours outside JupyterLab", () => {
		const theme = themeFrom(() => "");

		expect(theme.dark).toBe(false);
		expect(theme.text).toBe("rgba(0, 0, 0, 0.87)");
		expect(confusionScale(theme)[1]?.[1]).toBe("#08306b");
	});

	it.each([
		["#111", [17, 17, 17], true],
		["#212121", [33, 33, 33], true],
		["#ffffffff", [255, 255, 255], false],
		["rgb(33, 33, 33)", [33, 33, 33], true],
		["rgba(255, 255, 255, 1)", [255, 255, 255], false],
		["rgb(250 250 250 / 50%)", [250, 250, 250], false],
	])("reads %s as %j (dark: %s)", (color, rgb, dark) => {
		expect(parseColor(color)).toEqual(rgb);
		expect(isDark(color)).toBe(dark);
	});

	it("counts a colour it cannot read as light", () => {
		expect(parseColor("var(--md-grey-900)")).toBeNull();
		expect(isDark("var(--md-grey-900)")).toBe(false);
	});

	it("hears JupyterLab's theme switches until told to stop", async () => {
		const onChange = vi.fn();
		const stop = watchTheme(onChange);

		document.body.dataset.jpThemeName = "JupyterLab Dark";
		document.body.dataset.jpThemeLight = "false";
		await Promise.resolve();
		document.body.dataset.unrelated = "x";
		await Promise.resolve();
		stop();
		document.body.dataset.jpThemeLight = "true";
		await Promise.resolve();

		expect(onChange).toHaveBeenCalledTimes(1);
	});
});
