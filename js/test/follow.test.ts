import { describe, expect, it } from "vitest";
import { isInView, scrollToShow, shouldFollow } from "../src/follow";

const PANE = { left: 1000, top: 0, width: 600, height: 400 };

describe("following the newest node", () => {
	it("follows from the first drawing on", () => {
		expect(shouldFollow(undefined, PANE)).toBe(true);
	});

	it("follows while the previous newest node is in view", () => {
		expect(shouldFollow({ x: 1550, y: 100 }, PANE)).toBe(true);
		expect(shouldFollow({ x: 1000, y: 400 }, PANE)).toBe(true);
	});

	it("leaves the reader's scroll alone once they scrolled it out of view", () => {
		expect(shouldFollow({ x: 1700, y: 100 }, PANE)).toBe(false);
		expect(shouldFollow({ x: 900, y: 100 }, PANE)).toBe(false);
		expect(shouldFollow({ x: 1200, y: 401 }, PANE)).toBe(false);
	});
});

describe("scrollToShow", () => {
	it("moves as little as brings the node and its labels into view", () => {
		expect(scrollToShow({ x: 1700, y: 100 }, PANE, 40)).toEqual({
			left: 1140,
			top: 0,
		});
		expect(scrollToShow({ x: 500, y: 450 }, PANE, 40)).toEqual({
			left: 460,
			top: 90,
		});
	});

	it("leaves a node already in view where it is", () => {
		expect(scrollToShow({ x: 1300, y: 200 }, PANE, 40)).toEqual({
			left: 1000,
			top: 0,
		});
	});

	it("never scrolls before the start", () => {
		expect(scrollToShow({ x: 10, y: 5 }, PANE, 40)).toEqual({
			left: 0,
			top: 0,
		});
	});

	it("centres the node in a pane too small for the margins", () => {
		const narrow = { left: 0, top: 0, width: 60, height: 400 };

		expect(scrollToShow({ x: 500, y: 100 }, narrow, 40)).toEqual({
			left: 470,
			top: 0,
		});
	});

	it("brings a node it scrolled to into view, as shouldFollow sees it", () => {
		const point = { x: 5000, y: 900 };
		const { left, top } = scrollToShow(point, PANE);

		expect(isInView(point, { ...PANE, left, top })).toBe(true);
	});
});
