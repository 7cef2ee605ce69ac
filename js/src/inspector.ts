/**
 * The inspector: everything recorded about the selected node, its confusion
 * matrix and per-class accuracy as plotly charts, and how it compares with
 * its parent.
 *
 * Values sit in elements with a `data-field` attribute. The accuracy, in
 * `[data-field="accuracy"]`, reads exactly as Python's `f"{accuracy:.4f}"`
 * (see `formatFixed`), or "—" when the node has no test samples.
 *
 * A node trained on test samples has its leakage spelled out next to the
 * accuracy, in `[data-field="leakage"]`, with the accuracy on the other test
 * samples.
 *
 * The two charts are made once per view, on the first node shown, and then
 * updated in place with `Plotly.react`, in the colours of JupyterLab's theme
 * (redrawn when the theme changes).
 */

import Plotly, { type Trace } from "plotly.js-cartesian-dist-min";
import { html } from "./dom";
import {
	formatAccuracy,
	formatCount,
	formatDelta,
	formatFlops,
	formatInterval,
	formatLeakage,
	formatRecord,
	formatSeconds,
	formatStop,
	formatTime,
	leakageOf,
	MISSING,
	shortId,
} from "./format";
import type { NodeStore } from "./node-store";
import {
	confusionScale,
	readTheme,
	themedAxis,
	themedLayout,
	themedTitle,
	watchTheme,
} from "./plot-theme";
import type { JourneyNode } from "./types";

const PLOT_CONFIG = { displayModeBar: false, responsive: false };

interface Field {
	key: string;
	label: string;
	value: (node: JourneyNode, parent: JourneyNode | undefined) => string;
	/** Full text for a tooltip, where the shown value is shortened. */
	title?: (node: JourneyNode) => string;
}

const FIELDS: Field[] = [
	{ key: "id", label: "node", value: (n) => `#${n.id}` },
	{
		key: "parent",
		label: "parent",
		value: (n) => (n.parent_id === null ? MISSING : `#${n.parent_id}`),
	},
	{ key: "kind", label: "kind", value: (n) => n.kind },
	{
		key: "created-at",
		label: "created",
		value: (n) => formatTime(n.created_at),
		title: (n) => n.created_at,
	},
	{
		key: "iteration",
		label: "iteration",
		value: (n) => formatCount(n.position.iteration),
	},
	{
		key: "epoch",
		label: "epoch / offset",
		value: (n) => `${n.position.epoch} / ${formatCount(n.position.offset)}`,
	},
	{
		key: "dataset-id",
		label: "data set",
		value: (n) => shortId(n.dataset_id),
		title: (n) => n.dataset_id,
	},
	{
		key: "case-set-id",
		label: "case set",
		value: (n) => shortId(n.case_set_id),
		title: (n) => n.case_set_id ?? "none",
	},
	{
		key: "strategy",
		label: "strategy",
		value: (n) => formatRecord(n.strategy),
	},
	{ key: "stop", label: "stop condition", value: (n) => formatStop(n.stop) },
	{ key: "run-id", label: "run", value: (n) => n.run_id ?? MISSING },
	{
		key: "wall-seconds",
		label: "wall time",
		value: (n) => formatSeconds(n.compute.wall_seconds),
	},
	{
		key: "cpu-seconds",
		label: "CPU time",
		value: (n) => formatSeconds(n.compute.cpu_seconds),
	},
	{
		key: "samples",
		label: "samples",
		value: (n) => formatCount(n.compute.samples),
	},
	{ key: "flops", label: "FLOPs", value: (n) => formatFlops(n.compute.flops) },
	{ key: "device", label: "device", value: (n) => n.compute.device },
];

export class Inspector {
	readonly element: HTMLDivElement;
	#store: NodeStore;
	#title = html("h3", { class: "jj-inspector-title" });
	#accuracy = html("span", { class: "jj-accuracy", "data-field": "accuracy" });
	#interval = html("span", { "data-field": "interval" });
	#testCount = html("span", { "data-field": "test-n" });
	#parentAccuracy = html("span", { "data-field": "parent-accuracy" });
	#delta = html("span", { class: "jj-delta", "data-field": "accuracy-delta" });
	#leakMark = html("span", { class: "jj-leak-mark", hidden: true }, "*");
	#leakage = html("div", {
		class: "jj-leakage",
		"data-field": "leakage",
		title:
			"The node was trained on these test samples, so its accuracy on the " +
			"test samples is no fair measure; the held-out accuracy is.",
		hidden: true,
	});
	#fieldValues = new Map<string, HTMLElement>();
	#perClassBody = html("tbody");
	#cases = html("div", { class: "jj-cases", hidden: true });
	#confusionChart = html("div", { class: "jj-chart jj-confusion" });
	#perClassChart = html("div", { class: "jj-chart jj-per-class" });
	#shown: JourneyNode | undefined;
	/** What the inspector shows now: node, parent and label names. */
	#shownKey: unknown[] = [];
	#unwatchTheme: () => void;

	constructor(store: NodeStore) {
		this.#store = store;
		this.element = html("div", { class: "jj-inspector", hidden: true });
		// The tables follow the theme through CSS; the charts need redrawing.
		this.#unwatchTheme = watchTheme(() => this.show(this.#shown, true));

		const headline = html("div", { class: "jj-headline" });
		headline.append(
			html("span", { class: "jj-muted" }, "accuracy "),
			this.#accuracy,
			this.#leakMark,
			html("span", { class: "jj-muted" }, " 95% Wilson "),
			this.#interval,
			html("span", { class: "jj-muted" }, " n = "),
			this.#testCount,
			html("span", { class: "jj-muted" }, " · parent "),
			this.#parentAccuracy,
			html("span", { class: "jj-muted" }, " Δ "),
			this.#delta,
		);

		const facts = factTable();
		for (const field of FIELDS) {
			const value = html("td", { "data-field": field.key });
			this.#fieldValues.set(field.key, value);
			facts.append(factRow(field.label, value));
		}

		const perClass = html("table", { class: "jj-per-class-table" });
		const head = html("thead");
		const headRow = html("tr");
		for (const name of ["class", "n", "accuracy", "parent", "Δ"]) {
			headRow.append(html("th", {}, name));
		}
		head.append(headRow);
		perClass.append(head, this.#perClassBody);

		const details = html("div", { class: "jj-details" });
		details.append(facts, perClass, this.#cases);
		const charts = html("div", { class: "jj-charts" });
		charts.append(this.#confusionChart, this.#perClassChart);
		const columns = html("div", { class: "jj-inspector-columns" });
		columns.append(details, charts);
		this.element.append(this.#title, headline, this.#leakage, columns);
	}

	/**
	 * Shows `node`, or hides the inspector when there is none.
	 *
	 * The view calls this on every node that arrives; while the node, its
	 * parent and the label names stay the same, nothing is redrawn (plotly
	 * takes tens of milliseconds a chart, and a fast run brings dozens of
	 * nodes a second). `force` redraws all the same, as for a new theme.
	 */
	show(node: JourneyNode | undefined, force = false): void {
		this.#shown = node;
		this.element.hidden = node === undefined;
		this.element.dataset.nodeId = node ? String(node.id) : "";
		if (!node) {
			this.#shownKey = [];
			return;
		}
		const parent = this.#store.get(node.parent_id);
		const labels = this.#store.labelNames(node.test.per_class_n.length);
		const key = [node, parent, labels.join("\u0000")];
		if (!force && key.every((part, i) => part === this.#shownKey[i])) {
			return;
		}
		this.#shownKey = key;

		this.#title.textContent = `Node #${node.id} · ${node.kind}`;
		this.#accuracy.textContent = formatAccuracy(node.test.accuracy);
		this.#interval.textContent = formatInterval(node.test.interval);
		this.#testCount.textContent = `${formatCount(node.test.n)} (${formatCount(node.test.correct)} correct)`;
		this.#parentAccuracy.textContent = parentSummary(node, parent);
		this.#delta.textContent = parent
			? formatDelta(difference(node.test.accuracy, parent.test.accuracy))
			: MISSING;
		this.#delta.dataset.sign = signOf(
			node.test.accuracy,
			parent?.test.accuracy,
		);
		const leakage = leakageOf(node);
		this.#leakMark.hidden = !leakage;
		this.#leakage.hidden = !leakage;
		this.#leakage.textContent = leakage ? `* ${formatLeakage(leakage)}` : "";
		for (const field of FIELDS) {
			const element = this.#fieldValues.get(field.key) as HTMLElement;
			element.textContent = field.value(node, parent);
			element.title = field.title?.(node) ?? "";
		}

		this.#perClassBody.replaceChildren(...perClassRows(node, parent, labels));
		this.#showCases(node);
		this.#drawCharts(node, parent, labels);
	}

	/** Stops following the theme and frees plotly's listeners on the charts. */
	dispose(): void {
		this.#unwatchTheme();
		Plotly.purge(this.#confusionChart);
		Plotly.purge(this.#perClassChart);
	}

	#showCases(node: JourneyNode): void {
		const cases = node.test.case;
		this.#cases.hidden = !cases;
		if (!cases) {
			this.#cases.replaceChildren();
			return;
		}
		const facts = factTable();
		const rows: [string, string, string][] = [
			["case-n", "case samples", formatCount(cases.n)],
			[
				"case-weighted-accuracy",
				"weighted accuracy",
				formatAccuracy(cases.weighted_accuracy),
			],
			["case-interval", "95% Wilson", formatInterval(cases.interval)],
			["case-effective-n", "effective n", cases.effective_n.toFixed(1)],
			[
				"case-above-threshold",
				`weight > ${cases.threshold}`,
				`${formatAccuracy(cases.above_threshold_accuracy)} (n = ${cases.above_threshold_n})`,
			],
		];
		if (cases.test_overlap) {
			// The node trained on these test samples: its test accuracy is
			// inflated, and the accuracy on the other test samples is the one to
			// trust.
			rows.push([
				"case-held-out",
				`test without its ${formatCount(cases.test_overlap)} case samples`,
				`${formatAccuracy(cases.held_out_accuracy ?? null)} (n = ${formatCount(cases.held_out_n ?? 0)})`,
			]);
		}
		for (const [key, label, value] of rows) {
			facts.append(factRow(label, html("td", { "data-field": key }, value)));
		}
		this.#cases.replaceChildren(html("h4", {}, "Case set"), facts);
	}

	#drawCharts(
		node: JourneyNode,
		parent: JourneyNode | undefined,
		labels: string[],
	): void {
		const classes = labels.length;
		const side = Math.min(480, Math.max(220, 120 + classes * 30));
		const theme = readTheme(this.element);

		const confusion: Trace = {
			type: "heatmap",
			z: node.test.confusion,
			x: labels,
			y: labels,
			colorscale: confusionScale(theme),
			showscale: false,
			texttemplate: classes <= 20 ? "%{z}" : "",
			hovertemplate:
				"true %{y}<br>predicted %{x}<br>%{z} samples<extra></extra>",
		};
		void Plotly.react(
			this.#confusionChart,
			[confusion],
			{
				...themedLayout(theme),
				title: themedTitle(theme, "Confusion matrix"),
				width: side,
				height: side,
				margin: { l: 70, r: 10, t: 30, b: 60 },
				xaxis: themedAxis(theme, {
					type: "category",
					title: { text: "predicted" },
					automargin: true,
				}),
				yaxis: themedAxis(theme, {
					type: "category",
					title: { text: "true" },
					autorange: "reversed",
					automargin: true,
				}),
			},
			PLOT_CONFIG,
		);

		const traces: Trace[] = [
			{
				type: "bar",
				name: `#${node.id}`,
				x: labels,
				y: node.test.per_class,
				customdata: node.test.per_class_n,
				hovertemplate: `%{x}: %{y:.4f} of %{customdata}<extra>#${node.id}</extra>`,
				marker: { color: "#1f77b4" },
			},
		];
		if (parent) {
			traces.push({
				type: "bar",
				name: `#${parent.id} (parent)`,
				x: labels,
				y: parent.test.per_class,
				hovertemplate: `%{x}: %{y:.4f}<extra>#${parent.id}</extra>`,
				marker: { color: "#aec7e8" },
			});
		}
		void Plotly.react(
			this.#perClassChart,
			traces,
			{
				...themedLayout(theme),
				title: themedTitle(theme, "Accuracy per class"),
				width: Math.min(520, Math.max(260, 140 + classes * 36)),
				height: 240,
				margin: { l: 45, r: 10, t: 30, b: 50 },
				barmode: "group",
				xaxis: themedAxis(theme, { type: "category", automargin: true }),
				yaxis: themedAxis(theme, {
					range: [0, 1],
					title: { text: "accuracy" },
				}),
				legend: { orientation: "h", y: -0.25 },
				showlegend: parent !== undefined,
			},
			PLOT_CONFIG,
		);
	}
}

// A table, not a <dl> grid: notebook front ends style dl, dt and dd themselves.
function factTable(): HTMLTableElement {
	return html("table", { class: "jj-facts" });
}

function factRow(
	label: string,
	value: HTMLTableCellElement,
): HTMLTableRowElement {
	const row = html("tr");
	row.append(html("th", { scope: "row" }, label), value);
	return row;
}

function parentSummary(
	node: JourneyNode,
	parent: JourneyNode | undefined,
): string {
	if (parent) {
		return `#${parent.id} ${formatAccuracy(parent.test.accuracy)}`;
	}
	return node.parent_id === null
		? "none"
		: `#${node.parent_id} not received yet`;
}

function difference(
	mine: number | null | undefined,
	theirs: number | null | undefined,
): number | null {
	if (
		mine === null ||
		mine === undefined ||
		theirs === null ||
		theirs === undefined
	) {
		return null;
	}
	return mine - theirs;
}

function signOf(
	mine: number | null | undefined,
	theirs: number | null | undefined,
): string {
	if (
		mine === null ||
		mine === undefined ||
		theirs === null ||
		theirs === undefined
	) {
		return "none";
	}
	return mine > theirs ? "up" : mine < theirs ? "down" : "same";
}

function perClassRows(
	node: JourneyNode,
	parent: JourneyNode | undefined,
	labels: string[],
): HTMLTableRowElement[] {
	return labels.map((label, i) => {
		const mine = node.test.per_class[i] ?? null;
		const theirs = parent?.test.per_class[i] ?? null;
		const delta = difference(mine, theirs);
		const row = html("tr", { "data-class": i });
		row.append(
			html("td", {}, label),
			html("td", {}, formatCount(node.test.per_class_n[i])),
			html("td", {}, formatAccuracy(mine)),
			html("td", {}, parent ? formatAccuracy(theirs) : MISSING),
			html("td", { "data-sign": signOf(mine, theirs) }, formatDelta(delta)),
		);
		return row;
	});
}
