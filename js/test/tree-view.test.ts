// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import { COMPACT_FROM, COMPACT_LAYOUT, DEFAULT_LAYOUT } from "../src/tree";
import { TreeView } from "../src/tree-view";
import { makeNode, stoppedByHand } from "./fixtures";

// The selectors the browser tests rely on; see tree-view.ts.
const TRAINED = 'g.jj-node[data-kind="trained"]';

function drawn(selected: number | null = null) {
	const onSelect = vi.fn();
	const view = new TreeView(onSelect);
	view.draw(
		[makeNode(1, null), makeNode(2, 1), makeNode(3, 2), makeNode(4, 2)],
		selected,
	);
	return { view, onSelect, svg: view.element };
}

describe("TreeView", () => {
	it("draws a group per node with its id, kind, order and accuracy", () => {
		const { svg } = drawn();

		const start = svg.querySelector('g.jj-node[data-node-id="1"]');
		const trained = [...svg.querySelectorAll(TRAINED)];
		expect(start?.getAttribute("data-kind")).toBe("start");
		expect(trained.map((g) => g.getAttribute("data-node-id"))).toEqual([
			"2",
			"3",
			"4",
		]);
		expect(start?.querySelector(".jj-order")?.textContent).toBe("#1");
		// makeNode(3, ...) has accuracy 303 / 360 = 0.841666...
		expect(
			svg.querySelector('[data-node-id="3"] .jj-node-accuracy')?.textContent,
		).toBe("0.842");
		expect(svg.querySelector('[data-node-id="3"] title')?.textContent).toMatch(
			/created 2025-01-0\d .*\niteration 300\naccuracy 0\.8417/,
		);
	});

	it("draws one edge per parent and marks the branching node", () => {
		const { svg } = drawn();

		const edges = [...svg.querySelectorAll("path.jj-link")].map(
			(p) =>
				`${p.getAttribute("data-source")}>${p.getAttribute("data-target")}`,
		);
		expect(edges).toEqual(["1>2", "2>3", "2>4"]);
		expect(svg.querySelector(".jj-branch")?.getAttribute("data-node-id")).toBe(
			"2",
		);
	});

	it("highlights the selected node only", () => {
		const { svg } = drawn(3);

		const selected = [...svg.querySelectorAll('[data-selected="true"]')];
		expect(selected.map((g) => g.getAttribute("data-node-id"))).toEqual(["3"]);
		expect(selected[0]?.classList.contains("jj-selected")).toBe(true);
	});

	it("reports a click on any part of a node as its id", () => {
		const { svg, onSelect } = drawn();

		svg
			.querySelector('[data-node-id="4"] .jj-dot')
			?.dispatchEvent(new MouseEvent("click", { bubbles: true }));
		svg.dispatchEvent(new MouseEvent("click", { bubbles: true }));

		expect(onSelect.mock.calls).toEqual([[4]]);
	});

	it("marks a node stopped by hand with a square and says why in its title", () => {
		const view = new TreeView(vi.fn());
		view.draw(
			[
				makeNode(1, null),
				makeNode(2, 1),
				makeNode(3, 2, {
					stop: stoppedByHand({ kind: "iterations", n: 100 }),
				}),
			],
			null,
		);

		const stopped = [
			...view.element.querySelectorAll('[data-stopped-by-hand="true"]'),
		];
		expect(stopped.map((g) => g.getAttribute("data-node-id"))).toEqual(["3"]);
		expect(stopped[0]?.querySelector("rect.jj-stop-mark")).not.toBeNull();
		expect(view.element.querySelectorAll(".jj-stop-mark")).toHaveLength(1);
		expect(stopped[0]?.querySelector("title")?.textContent).toMatch(
			/\nstopped by hand \(was: every 100 iterations\)$/,
		);
	});

	it("stars the accuracy of a node trained on test samples", () => {
		const plain = makeNode(2, 1);
		const leaky = makeNode(3, 2, {
			test: {
				...makeNode(3, 2).test,
				case: {
					n: 20,
					weighted_accuracy: 0.9,
					effective_n: 20,
					interval: null,
					threshold: 1,
					above_threshold_accuracy: null,
					above_threshold_n: 0,
					test_overlap: 12,
					held_out_accuracy: 324 / 348,
					held_out_n: 348,
				},
			},
		});
		const view = new TreeView(vi.fn());
		view.draw([makeNode(1, null), plain, leaky], null);

		const group = view.element.querySelector('[data-node-id="3"]');
		expect(group?.getAttribute("data-leakage")).toBe("12");
		expect(group?.querySelector(".jj-node-accuracy")?.textContent).toBe(
			"0.842*",
		);
		expect(group?.querySelector("title")?.textContent).toMatch(
			/accuracy 0\.8417\*\ntrained on 12 test samples; held-out accuracy 0\.9310 \(n = 348\)$/,
		);
		expect(view.element.querySelectorAll(".jj-leak-mark")).toHaveLength(1);
		expect(
			view.element
				.querySelector('[data-node-id="2"]')
				?.hasAttribute("data-leakage"),
		).toBe(false);
	});

	it("knows where each node is and narrows a long chain", () => {
		const chain = Array.from({ length: COMPACT_FROM }, (_, i) =>
			makeNode(i + 1, i === 0 ? null : i),
		);
		const view = new TreeView(vi.fn());

		view.draw(chain.slice(0, 3), null);
		const short = [view.position(2), view.position(3)];
		view.draw(chain, null);

		expect((short[1]?.x ?? 0) - (short[0]?.x ?? 0)).toBe(
			DEFAULT_LAYOUT.columnWidth,
		);
		expect(
			(view.position(COMPACT_FROM)?.x ?? 0) - (view.position(1)?.x ?? 0),
		).toBe((COMPACT_FROM - 1) * COMPACT_LAYOUT.columnWidth);
		expect(view.position(COMPACT_FROM + 1)).toBeUndefined();
		expect(view.position(null)).toBeUndefined();
	});
});
