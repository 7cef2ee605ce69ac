/**
 * The page's copy of a journey: nodes by id, fed by the kernel's messages.
 *
 * One store exists per widget model, so every view of the widget draws from
 * the same nodes; a node that arrives twice (in a tree and as its own message)
 * is kept once.
 */

import type { JourneyInfo, JourneyNode, KernelMessage } from "./types";

type Listener = () => void;

export class NodeStore {
	readonly nodes = new Map<number, JourneyNode>();
	journey: JourneyInfo | null = null;
	/** Set once the kernel has answered `request-tree`. */
	treeLoaded = false;
	/** The last thing that went wrong in the page, shown in every view. */
	problem: string | null = null;
	#listeners = new Set<Listener>();

	/** Adds a node or replaces the one with its id; true when the id is new. */
	upsert(node: JourneyNode): boolean {
		checkNode(node);
		const isNew = !this.nodes.has(node.id);
		this.nodes.set(node.id, node);
		return isNew;
	}

	/** Applies one kernel message and tells the listeners. */
	receive(message: unknown): void {
		const parsed = parseMessage(message);
		if (parsed.type === "tree") {
			this.journey = parsed.journey;
			for (const node of parsed.nodes) {
				this.upsert(node);
			}
			this.treeLoaded = true;
		} else {
			this.upsert(parsed.node);
		}
		this.#notify();
	}

	/** Records a failure in the page so that every view shows it. */
	reportProblem(text: string): void {
		this.problem = text;
		this.#notify();
	}

	/** Nodes in creation order (ids increase with creation time). */
	sorted(): JourneyNode[] {
		return [...this.nodes.values()].sort((a, b) => a.id - b.id);
	}

	get(id: number | null | undefined): JourneyNode | undefined {
		return id === null || id === undefined ? undefined : this.nodes.get(id);
	}

	/** Label names from the journey, or class numbers until the tree arrives. */
	labelNames(classes: number): string[] {
		const names = this.journey?.label_names ?? [];
		return Array.from({ length: classes }, (_, i) => names[i] ?? String(i));
	}

	/** Calls `listener` after every change; returns the unsubscriber. */
	subscribe(listener: Listener): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	#notify(): void {
		for (const listener of this.#listeners) {
			listener();
		}
	}
}

function parseMessage(message: unknown): KernelMessage {
	if (typeof message !== "object" || message === null) {
		throw new Error(`expected a message object, got ${describe(message)}`);
	}
	const record = message as Record<string, unknown>;
	if (record.type === "node") {
		return { type: "node", node: record.node as JourneyNode };
	}
	if (record.type === "tree") {
		if (!Array.isArray(record.nodes)) {
			throw new Error(
				`a tree message needs a nodes array, got ${describe(record.nodes)}`,
			);
		}
		return {
			type: "tree",
			journey: record.journey as JourneyInfo,
			nodes: record.nodes as JourneyNode[],
		};
	}
	throw new Error(
		`unknown message type ${describe(record.type)}; expected "tree" or "node"`,
	);
}

function checkNode(node: unknown): asserts node is JourneyNode {
	const record = node as Record<string, unknown> | null;
	if (
		typeof record !== "object" ||
		record === null ||
		!Number.isInteger(record.id)
	) {
		throw new Error(`a node needs an integer id, got ${describe(node)}`);
	}
	if (record.parent_id !== null && !Number.isInteger(record.parent_id)) {
		throw new Error(
			`node ${record.id} has parent_id ${describe(record.parent_id)}; expected an integer or null`,
		);
	}
}

function describe(value: unknown): string {
	const text = JSON.stringify(value);
	return text === undefined ? String(value) : text.slice(0, 80);
}
