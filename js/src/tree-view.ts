/**
 * The journey tree as SVG: one group per node, S-shaped edges from parents to
 * children, redrawn from the store whenever a node arrives.
 *
 * Each node is `<g class="jj-node" data-node-id="3" data-kind="trained">`
 * holding its dot, its creation order ("#3") and its accuracy with 3 decimals
 * ("0.973"), plus a `<title>` with its creation time and iteration. Two
 * caveats are marked: a node stopped by hand has a small square in its dot
 * (`data-stopped-by-hand="true"`), and a node trained on test samples has a
 * "*" after its accuracy (`data-leakage` holds how many), both explained in
 * the title.
 */

import { svg } from "./dom";
import type { Point } from "./follow";
import {
	formatAccuracy,
	formatLeakage,
	formatStop,
	formatTime,
	isStoppedByHand,
	leakageOf,
} from "./format";
import {
	buildForest,
	layoutFor,
	layoutForest,
	linkPath,
	type PlacedNode,
} from "./tree";
import type { JourneyNode } from "./types";

const DOT_RADIUS = 9;
const STOP_MARK_SIDE = 7;

export class TreeView {
	readonly element: SVGSVGElement;
	#edges: SVGGElement;
	#nodes: SVGGElement;
	#positions = new Map<number, Point>();

	constructor(onSelect: (id: number) => void) {
		this.element = svg("svg", {
			class: "jj-tree",
			role: "tree",
			"aria-label": "Journey tree",
		});
		this.#edges = svg("g", { class: "jj-links" });
		this.#nodes = svg("g", { class: "jj-nodes" });
		this.element.append(this.#edges, this.#nodes);

		// One listener for all nodes: the groups are rebuilt on every draw.
		const select = (event: Event) => {
			const group = (event.target as Element).closest(".jj-node");
			const id = Number(group?.getAttribute("data-node-id"));
			if (group && Number.isInteger(id)) {
				onSelect(id);
			}
		};
		this.element.addEventListener("click", select);
		this.element.addEventListener("keydown", (event) => {
			if (event.key === "Enter" || event.key === " ") {
				event.preventDefault();
				select(event);
			}
		});
	}

	/** Draws `nodes` afresh, with `selected` highlighted. */
	draw(nodes: readonly JourneyNode[], selected: number | null): void {
		const layout = layoutForest(buildForest(nodes), layoutFor(nodes.length));
		this.#positions = new Map(
			layout.nodes.map((placed) => [placed.node.id, placed]),
		);
		// Room for the labels that stick out of the outermost dots.
		this.element.setAttribute("width", String(layout.width + 40));
		this.element.setAttribute("height", String(layout.height + 8));

		this.#edges.replaceChildren(
			...layout.links.map((link) =>
				svg("path", {
					class: "jj-link",
					d: linkPath(link),
					"data-source": link.source.node.id,
					"data-target": link.target.node.id,
				}),
			),
		);
		this.#nodes.replaceChildren(
			...layout.nodes.map((placed) =>
				drawNode(placed, placed.node.id === selected),
			),
		);
	}

	/** Where node `id` was last drawn, in the drawing's pixels; undefined if not. */
	position(id: number | null | undefined): Point | undefined {
		if (id === null || id === undefined) {
			return undefined;
		}
		const placed = this.#positions.get(id);
		return placed && { x: placed.x, y: placed.y };
	}
}

function drawNode(placed: PlacedNode, selected: boolean): SVGGElement {
	const { node } = placed;
	const stoppedByHand = isStoppedByHand(node);
	const leakage = leakageOf(node);
	const classes = ["jj-node", `jj-${node.kind}`];
	if (selected) classes.push("jj-selected");
	if (placed.orphan) classes.push("jj-orphan");
	if (placed.childCount > 1) classes.push("jj-branch");
	if (stoppedByHand) classes.push("jj-stopped-by-hand");
	if (leakage) classes.push("jj-leaky");

	const accuracy = formatAccuracy(node.test.accuracy, 3);
	const notes = [
		placed.orphan ? `parent #${node.parent_id} not received yet` : "",
		stoppedByHand ? formatStop(node.stop) : "",
		leakage ? formatLeakage(leakage) : "",
	].filter((note) => note.length > 0);
	const group = svg("g", {
		class: classes.join(" "),
		transform: `translate(${placed.x},${placed.y})`,
		"data-node-id": node.id,
		"data-kind": node.kind,
		"data-parent-id": node.parent_id ?? "",
		"data-selected": String(selected),
		"data-stopped-by-hand": stoppedByHand ? "true" : null,
		"data-leakage": leakage?.overlap,
		tabindex: 0,
		role: "treeitem",
		"aria-selected": String(selected),
		"aria-label": [
			`Node #${node.id}, ${node.kind}, accuracy ${accuracy}`,
			...notes,
		].join(", "),
	});

	const accuracyLabel = svg(
		"text",
		{ class: "jj-node-accuracy", y: DOT_RADIUS + 15 },
		accuracy,
	);
	if (leakage) {
		// Its own tspan, so the label's number stays the stored accuracy.
		accuracyLabel.append(svg("tspan", { class: "jj-leak-mark" }, "*"));
	}
	group.append(
		svg(
			"title",
			{},
			[
				`#${node.id} ${node.kind}`,
				`created ${formatTime(node.created_at)}`,
				`iteration ${node.position.iteration}`,
				`accuracy ${formatAccuracy(node.test.accuracy)}${leakage ? "*" : ""}`,
				...notes,
			].join("\n"),
		),
		svg("circle", { class: "jj-halo", r: DOT_RADIUS + 5 }),
		svg("circle", { class: "jj-dot", r: DOT_RADIUS }),
		svg("text", { class: "jj-order", y: -DOT_RADIUS - 6 }, `#${node.id}`),
		accuracyLabel,
	);
	if (stoppedByHand) {
		// A square in the dot, like a stop button's.
		group.append(
			svg("rect", {
				class: "jj-stop-mark",
				x: -STOP_MARK_SIDE / 2,
				y: -STOP_MARK_SIDE / 2,
				width: STOP_MARK_SIDE,
				height: STOP_MARK_SIDE,
				rx: 1,
			}),
		);
	}
	return group;
}
