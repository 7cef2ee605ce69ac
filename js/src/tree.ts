/**
 * The journey's shape: a forest built from parent ids, laid out with
 * d3-hierarchy's tidy tree.
 *
 * Pure functions with no DOM, so they are tested in node. Depth grows to the
 * right (a child sits one column right of its parent); siblings stack
 * downwards in creation order, so a node with several children fans out into
 * visible branches.
 */

import { type HierarchyPointNode, hierarchy, tree } from "d3-hierarchy";
import type { JourneyNode } from "./types";

export interface TreeItem {
	node: JourneyNode;
	children: TreeItem[];
	/** True when the node names a parent the page has not received yet. */
	orphan: boolean;
}

/**
 * Roots first, each with its descendants; children sorted by id.
 *
 * A node whose parent has not arrived (messages can overtake the tree) is
 * drawn as a root marked `orphan` until its parent comes. A node that names
 * itself or a later node as parent cannot be placed and is treated the same.
 */
export function buildForest(nodes: Iterable<JourneyNode>): TreeItem[] {
	const items = new Map<number, TreeItem>();
	for (const node of nodes) {
		items.set(node.id, { node, children: [], orphan: false });
	}

	const roots: TreeItem[] = [];
	for (const item of [...items.values()].sort(
		(a, b) => a.node.id - b.node.id,
	)) {
		const parentId = item.node.parent_id;
		const parent = parentId === null ? undefined : items.get(parentId);
		// Ids grow with creation time, so a real parent always has a smaller id;
		// insisting on it also rules out cycles in malformed input.
		if (parent && parentId !== null && parentId < item.node.id) {
			parent.children.push(item);
		} else {
			item.orphan = parentId !== null;
			roots.push(item);
		}
	}
	return roots;
}

export interface PlacedNode {
	node: JourneyNode;
	x: number;
	y: number;
	depth: number;
	orphan: boolean;
	childCount: number;
}

export interface PlacedLink {
	source: PlacedNode;
	target: PlacedNode;
}

export interface TreeLayout {
	nodes: PlacedNode[];
	links: PlacedLink[];
	width: number;
	height: number;
}

export interface LayoutOptions {
	/** Horizontal distance between a parent and its child, in pixels. */
	columnWidth: number;
	/** Vertical distance between neighbouring rows, in pixels. */
	rowHeight: number;
	/** Space kept around the drawing for labels, in pixels. */
	margin: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = {
	columnWidth: 96,
	rowHeight: 64,
	margin: 36,
};

/** Narrower columns for long journeys: labels still clear their neighbours. */
export const COMPACT_LAYOUT: LayoutOptions = {
	...DEFAULT_LAYOUT,
	columnWidth: 60,
};

/** From this many nodes on, the tree is drawn with `COMPACT_LAYOUT`. */
export const COMPACT_FROM = 40;

/** The spacing for a tree of `count` nodes. */
export function layoutFor(count: number): LayoutOptions {
	return count >= COMPACT_FROM ? COMPACT_LAYOUT : DEFAULT_LAYOUT;
}

interface LayoutDatum {
	item: TreeItem | null;
	children: LayoutDatum[];
}

/**
 * Positions every node, in pixels with (0, 0) at the top left of the drawing.
 *
 * The roots hang under one invisible root so that d3 lays the whole forest
 * out at once; that root is dropped from the result.
 */
export function layoutForest(
	roots: readonly TreeItem[],
	options: LayoutOptions = DEFAULT_LAYOUT,
): TreeLayout {
	if (roots.length === 0) {
		return { nodes: [], links: [], width: 0, height: 0 };
	}
	const toDatum = (item: TreeItem): LayoutDatum => ({
		item,
		children: item.children.map(toDatum),
	});
	const top = hierarchy<LayoutDatum>({
		item: null,
		children: roots.map(toDatum),
	});
	const laidOut = tree<LayoutDatum>()
		.nodeSize([options.rowHeight, options.columnWidth])
		.separation((a, b) => (a.parent === b.parent ? 1 : 1.25))(top);

	const visible = laidOut.descendants().filter((d) => d.data.item !== null);
	const minBreadth = Math.min(...visible.map((d) => d.x));
	const maxBreadth = Math.max(...visible.map((d) => d.x));
	const maxDepth = Math.max(...visible.map((d) => d.depth));

	const placed = new Map<HierarchyPointNode<LayoutDatum>, PlacedNode>();
	for (const d of visible) {
		const item = d.data.item as TreeItem;
		placed.set(d, {
			node: item.node,
			// d3 puts breadth in x and depth in y; the journey reads left to right.
			x: options.margin + (d.depth - 1) * options.columnWidth,
			y: options.margin + d.x - minBreadth,
			depth: d.depth - 1,
			orphan: item.orphan,
			childCount: item.children.length,
		});
	}

	const links: PlacedLink[] = [];
	for (const d of visible) {
		const source = placed.get(d) as PlacedNode;
		for (const child of d.children ?? []) {
			links.push({ source, target: placed.get(child) as PlacedNode });
		}
	}

	return {
		nodes: [...placed.values()],
		links,
		width: 2 * options.margin + (maxDepth - 1) * options.columnWidth,
		height: 2 * options.margin + maxBreadth - minBreadth,
	};
}

/** An S-shaped edge from a parent to its child. */
export function linkPath(link: PlacedLink): string {
	const { source, target } = link;
	const middle = (source.x + target.x) / 2;
	return `M${source.x},${source.y}C${middle},${source.y} ${middle},${target.y} ${target.x},${target.y}`;
}
