// @vitest-environment jsdom
import { beforeEach, describe, expect, it, vi } from "vitest";
import { Inspector } from "../src/inspector";
import { NodeStore } from "../src/node-store";
import { makeNode, stoppedByHand } from "./fixtures";

// Plotly draws with browser APIs jsdom lacks; what it is asked to draw is
// what matters here.
const plotly = vi.hoisted(() => ({
	react: vi.fn(async () => undefined),
	purge: vi.fn(),
}));
vi.mock("plotly.js-cartesian-dist-min", () => ({ default: plotly }));

const LABELS = ["zero", "one"];

/** Case results of a node whose case set held `overlap` test samples. */
function leakyCases(overlap: number) {
	return {
		n: 20,
		weighted_accuracy: 0.9,
		effective_n: 20,
		interval: [0.7, 0.97] as [number, number],
		threshold: 1,
		above_threshold_accuracy: null,
		above_threshold_n: 0,
		test_overlap: overlap,
		held_out_accuracy: 324 / 348,
		held_out_n: 348,
	};
}

function field(inspector: Inspector, name: string): string | null | undefined {
	return inspector.element.querySelector(`[data-field="${name}"]`)?.textContent;
}

function storeWith(...nodes: ReturnType<typeof makeNode>[]): NodeStore {
	const store = new NodeStore();
	store.receive({
		type: "tree",
		journey: { name: "j", folder: "/j", label_names: LABELS },
		nodes,
	});
	return store;
}

describe("Inspector", () => {
	beforeEach(() => {
		plotly.react.mockClear();
	});

	it("shows the accuracy as Python's f'{accuracy:.4f}', with interval and n", () => {
		const node = makeNode(2, 1);
		const inspector = new Inspector(storeWith(makeNode(1, null), node));

		inspector.show(node);

		// 302 / 360 = 0.83888..., and f"{302 / 360:.4f}" == "0.8389".
		expect(field(inspector, "accuracy")).toBe("0.8389");
		expect(field(inspector, "interval")).toBe("[0.8000, 0.9000]");
		expect(field(inspector, "test-n")).toBe("360 (302 correct)");
		expect(inspector.element.hidden).toBe(false);
		expect(inspector.element.dataset.nodeId).toBe("2");
	});

	it("compares with the parent, overall and per class", () => {
		const parent = makeNode(1, null);
		const node = makeNode(2, 1, {
			test: { ...makeNode(2, 1).test, per_class: [0.75, 0.9] },
		});
		const inspector = new Inspector(storeWith(parent, node));

		inspector.show(node);

		expect(field(inspector, "parent-accuracy")).toBe("#1 0.8361");
		expect(field(inspector, "accuracy-delta")).toBe("+0.0028");
		const rows = [
			...inspector.element.querySelectorAll("tbody tr[data-class]"),
		].map((row) =>
			[...row.querySelectorAll("td")].map((cell) => cell.textContent),
		);
		expect(rows).toEqual([
			["zero", "180", "0.7500", "0.5000", "+0.2500"],
			["one", "180", "0.9000", "1.0000", "-0.1000"],
		]);
	});

	it("lists the node's record, compute included", () => {
		const node = makeNode(2, 1);
		const inspector = new Inspector(storeWith(node));

		inspector.show(node);

		expect(field(inspector, "parent")).toBe("#1");
		expect(field(inspector, "iteration")).toBe("200");
		expect(field(inspector, "stop")).toBe("every 100 iterations");
		expect(field(inspector, "samples")).toBe("3,200");
		expect(field(inspector, "flops")).toBe("1.20 GFLOP");
		expect(field(inspector, "device")).toBe("cpu");
		expect(field(inspector, "parent-accuracy")).toBe("#1 not received yet");
		expect(field(inspector, "accuracy-delta")).toBe("—");
	});

	it("draws the confusion matrix with label names, rows true, and reuses its charts", () => {
		const node = makeNode(2, 1);
		const inspector = new Inspector(storeWith(makeNode(1, null), node));

		inspector.show(node);
		inspector.show(makeNode(1, null));

		type Call = [
			HTMLElement,
			Record<string, unknown>[],
			Record<string, Record<string, unknown>>,
		];
		const calls = plotly.react.mock.calls as unknown as Call[];
		const [confusionElement, [heatmap], layout] = calls[0] as Call;
		expect(heatmap).toMatchObject({
			type: "heatmap",
			x: LABELS,
			y: LABELS,
			z: node.test.confusion,
		});
		expect(layout.yaxis).toMatchObject({
			title: { text: "true" },
			autorange: "reversed",
		});
		expect(layout.xaxis).toMatchObject({ title: { text: "predicted" } });
		expect(calls[1]?.[1].map((trace) => trace.name)).toEqual([
			"#2",
			"#1 (parent)",
		]);
		// The second node redraws into the same two elements.
		const elements = calls.map((call) => call[0]);
		expect(calls).toHaveLength(4);
		expect(new Set(elements).size).toBe(2);
		expect(elements[2]).toBe(confusionElement);
	});

	it("shows case-set results only for nodes that have them", () => {
		const plain = makeNode(2, 1);
		const withCases = makeNode(3, 2, {
			test: {
				...plain.test,
				case: {
					n: 12,
					weighted_accuracy: 0.5,
					effective_n: 9.6,
					interval: [0.25, 0.75],
					threshold: 1,
					above_threshold_accuracy: 1 / 3,
					above_threshold_n: 3,
				},
			},
		});
		const inspector = new Inspector(storeWith(plain, withCases));

		inspector.show(withCases);
		const shown = field(inspector, "case-above-threshold");
		inspector.show(plain);

		expect(shown).toBe("0.3333 (n = 3)");
		expect(
			inspector.element.querySelector(".jj-cases")?.hasAttribute("hidden"),
		).toBe(true);
		expect(field(inspector, "case-n")).toBeUndefined();
	});

	it("says in words that a node was stopped by hand", () => {
		const node = makeNode(2, 1, {
			stop: stoppedByHand({ kind: "iterations", n: 100 }),
		});
		const inspector = new Inspector(storeWith(node));

		inspector.show(node);

		expect(field(inspector, "stop")).toBe(
			"stopped by hand (was: every 100 iterations)",
		);
	});

	it("marks an accuracy inflated by test samples and gives the held-out one", () => {
		const plain = makeNode(2, 1);
		const leaky = makeNode(3, 2, {
			test: { ...plain.test, case: leakyCases(12) },
		});
		const inspector = new Inspector(storeWith(plain, leaky));

		inspector.show(leaky);
		const shown = field(inspector, "leakage");
		const marked = inspector.element.querySelector(".jj-leak-mark");
		const markShown = marked?.hasAttribute("hidden") === false;
		inspector.show(plain);

		expect(shown).toBe(
			"* trained on 12 test samples; held-out accuracy 0.9310 (n = 348)",
		);
		expect(markShown).toBe(true);
		expect(field(inspector, "accuracy")).toBe("0.8389");
		expect(marked?.hasAttribute("hidden")).toBe(true);
		expect(
			inspector.element
				.querySelector('[data-field="leakage"]')
				?.hasAttribute("hidden"),
		).toBe(true);
	});

	it("draws the charts in the theme's colours on a clear background", () => {
		document.documentElement.style.setProperty(
			"--jp-ui-font-color1",
			"rgba(255, 255, 255, 1)",
		);
		document.documentElement.style.setProperty("--jp-layout-color0", "#111");
		const node = makeNode(2, 1);
		const inspector = new Inspector(storeWith(node));

		inspector.show(node);
		document.documentElement.style.removeProperty("--jp-ui-font-color1");
		document.documentElement.style.removeProperty("--jp-layout-color0");

		type Layout = Record<string, Record<string, unknown>>;
		const layouts = plotly.react.mock.calls.map(
			(call) => (call as unknown as [unknown, unknown, Layout])[2],
		);
		for (const layout of layouts) {
			expect(layout.title?.font).toMatchObject({
				color: "rgba(255, 255, 255, 1)",
			});
			expect(layout.font).toMatchObject({ color: "rgba(255, 255, 255, 1)" });
			expect(layout.xaxis).toMatchObject({ color: "rgba(255, 255, 255, 1)" });
			expect(layout.paper_bgcolor).toBe("rgba(0,0,0,0)");
			expect(layout.plot_bgcolor).toBe("rgba(0,0,0,0)");
		}
		expect(layouts).toHaveLength(2);
	});

	it("redraws its charts when JupyterLab changes theme", async () => {
		const node = makeNode(2, 1);
		const inspector = new Inspector(storeWith(node));
		inspector.show(node);
		plotly.react.mockClear();

		// Other tests' inspectors watch the theme too: count this one's charts.
		const redraws = () =>
			plotly.react.mock.calls.filter((call) =>
				inspector.element.contains((call as unknown as [Node])[0]),
			).length;

		document.body.dataset.jpThemeLight = "false";
		await Promise.resolve();
		const redrawn = redraws();
		inspector.dispose();
		document.body.dataset.jpThemeLight = "true";
		await Promise.resolve();

		expect(redrawn).toBe(2);
		expect(redraws()).toBe(2);
	});

	it("redraws nothing while the same node and parent are shown again", () => {
		const parent = makeNode(1, null);
		const node = makeNode(2, 1);
		const store = storeWith(node);
		const inspector = new Inspector(store);

		inspector.show(node);
		inspector.show(node);
		const once = plotly.react.mock.calls.length;
		store.receive({ type: "node", node: parent });
		inspector.show(node);

		expect(once).toBe(2);
		expect(plotly.react.mock.calls).toHaveLength(4);
		expect(field(inspector, "parent-accuracy")).toBe("#1 0.8361");
	});

	it("hides itself when nothing is selected", () => {
		const inspector = new Inspector(new NodeStore());

		inspector.show(undefined);

		expect(inspector.element.hidden).toBe(true);
	});
});
