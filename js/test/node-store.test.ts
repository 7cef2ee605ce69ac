import { describe, expect, it, vi } from "vitest";
import { NodeStore } from "../src/node-store";
import { makeNode } from "./fixtures";

const JOURNEY = {
	name: "digits",
	folder: "/tmp/digits",
	label_names: ["zero", "one"],
};

describe("NodeStore", () => {
	it("keeps a node that arrives twice once, with the later copy", () => {
		const store = new NodeStore();

		const first = store.upsert(makeNode(1, 0));
		const second = store.upsert(makeNode(1, 0, { run_id: "run-2" }));

		expect([first, second]).toEqual([true, false]);
		expect(store.nodes.size).toBe(1);
		expect(store.get(1)?.run_id).toBe("run-2");
	});

	it("merges a tree with nodes that overtook it", () => {
		const store = new NodeStore();
		store.receive({ type: "node", node: makeNode(2, 1) });

		store.receive({
			type: "tree",
			journey: JOURNEY,
			nodes: [makeNode(0, null), makeNode(1, 0), makeNode(2, 1)],
		});

		expect(store.sorted().map((n) => n.id)).toEqual([0, 1, 2]);
		expect(store.treeLoaded).toBe(true);
		expect(store.journey?.name).toBe("digits");
	});

	it("tells its listeners after each message, and stops when unsubscribed", () => {
		const store = new NodeStore();
		const listener = vi.fn();
		const unsubscribe = store.subscribe(listener);

		store.receive({ type: "node", node: makeNode(0, null) });
		unsubscribe();
		store.receive({ type: "node", node: makeNode(1, 0) });

		expect(listener).toHaveBeenCalledTimes(1);
	});

	it("names classes by their labels once the tree has come, by number before", () => {
		const store = new NodeStore();
		const before = store.labelNames(3);

		store.receive({ type: "tree", journey: JOURNEY, nodes: [] });

		expect(before).toEqual(["0", "1", "2"]);
		expect(store.labelNames(3)).toEqual(["zero", "one", "2"]);
	});

	it.each([
		[{ type: "nodes" }, /unknown message type "nodes"/],
		[null, /expected a message object/],
		[{ type: "tree", nodes: "x" }, /needs a nodes array/],
		[{ type: "node", node: { id: "3" } }, /integer id, got/],
		[{ type: "node", node: { id: 3, parent_id: "2" } }, /parent_id "2"/],
	])("refuses %j with a message naming the problem", (message, error) => {
		const store = new NodeStore();

		expect(() => store.receive(message)).toThrow(error);
		expect(store.nodes.size).toBe(0);
	});
});
