import { describe, expect, it } from "vitest";
import {
	buildForest,
	COMPACT_FROM,
	COMPACT_LAYOUT,
	DEFAULT_LAYOUT,
	layoutFor,
	layoutForest,
	linkPath,
} from "../src/tree";
import { makeNode } from "./fixtures";

describe("buildForest", () => {
	it("hangs each node under its parent, children in creation order", () => {
		const nodes = [
			makeNode(3, 1),
			makeNode(0, null),
			makeNode(2, 1),
			makeNode(1, 0),
		];

		const roots = buildForest(nodes);

		expect(roots.map((r) => r.node.id)).toEqual([0]);
		const branch = roots[0]?.children[0];
		expect(branch?.node.id).toBe(1);
		expect(branch?.children.map((c) => c.node.id)).toEqual([2, 3]);
	});

	it("draws a node whose parent has not arrived as an orphan root", () => {
		const roots = buildForest([makeNode(0, null), makeNode(5, 4)]);

		expect(roots.map((r) => [r.node.id, r.orphan])).toEqual([
			[0, false],
			[5, true],
		]);
	});

	it("treats a parent id that is not older than the node as missing", () => {
		const roots = buildForest([makeNode(1, 2), makeNode(2, 1)]);

		expect(roots.map((r) => r.node.id)).toEqual([1]);
		expect(roots[0]?.orphan).toBe(true);
		expect(roots[0]?.children.map((c) => c.node.id)).toEqual([2]);
	});
});

const OPTIONS = { columnWidth: 100, rowHeight: 50, margin: 10 };

describe("layoutForest", () => {
	it("puts a chain on one row, one column per generation", () => {
		const layout = layoutForest(
			buildForest([makeNode(0, null), makeNode(1, 0), makeNode(2, 1)]),
			OPTIONS,
		);

		expect(layout.nodes.map((n) => [n.node.id, n.x, n.y])).toEqual([
			[0, 10, 10],
			[1, 110, 10],
			[2, 210, 10],
		]);
		expect(
			layout.links.map((l) => [l.source.node.id, l.target.node.id]),
		).toEqual([
			[0, 1],
			[1, 2],
		]);
		expect([layout.width, layout.height]).toEqual([220, 20]);
	});

	it("spreads the children of a branch over separate rows, older above", () => {
		const layout = layoutForest(
			buildForest([makeNode(0, null), makeNode(1, 0), makeNode(2, 0)]),
			OPTIONS,
		);
		const rows = layout.nodes.map((n) => [n.node.id, n.y]);

		expect(rows).toEqual([
			[0, 35],
			[1, 10],
			[2, 60],
		]);
		expect(layout.nodes.find((n) => n.node.id === 0)?.childCount).toBe(2);
	});

	it("lays out orphans beside the main tree without overlap", () => {
		const layout = layoutForest(
			buildForest([makeNode(0, null), makeNode(7, 6)]),
			OPTIONS,
		);
		const points = layout.nodes.map((n) => `${n.x},${n.y}`);

		expect(new Set(points).size).toBe(2);
		expect(layout.links).toEqual([]);
	});

	it("is empty for no nodes", () => {
		expect(layoutForest([], OPTIONS)).toEqual({
			nodes: [],
			links: [],
			width: 0,
			height: 0,
		});
	});
});

describe("linkPath", () => {
	it("runs from the parent to the child", () => {
		const [link] = layoutForest(
			buildForest([makeNode(0, null), makeNode(1, 0)]),
			OPTIONS,
		).links;

		expect(link && linkPath(link)).toBe("M10,10C60,10 60,10 110,10");
	});
});

describe("layoutFor", () => {
	it("narrows the columns of a long journey, not of a short one", () => {
		expect(layoutFor(COMPACT_FROM - 1)).toBe(DEFAULT_LAYOUT);
		expect(layoutFor(COMPACT_FROM)).toBe(COMPACT_LAYOUT);
		expect(COMPACT_LAYOUT.columnWidth).toBeLessThan(DEFAULT_LAYOUT.columnWidth);
	});

	it("keeps columns wide enough for a label such as 0.973*", () => {
		// Two labels of 6 characters at about 7 px each, with a gap between.
		expect(COMPACT_LAYOUT.columnWidth).toBeGreaterThanOrEqual(6 * 7 + 10);
	});
});
