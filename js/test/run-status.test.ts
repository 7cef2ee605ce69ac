import { describe, expect, it } from "vitest";
import { summarize } from "../src/run-status";

describe("summarize", () => {
	it("counts nodes towards a target, with progress and loss", () => {
		const text = summarize({
			state: "running",
			parent_id: 1,
			nodes_done: 2,
			nodes_target: 4,
			iteration: 12345,
			segment_done: 40,
			segment_total: 100,
			loss: 0.123456,
		});

		expect(text).toBe(
			"2 of 4 nodes from #1 · iteration 12,345 · segment 40/100 · loss 0.1235",
		);
	});

	it("says a run without a target goes on until stopped", () => {
		expect(summarize({ state: "running", nodes_done: 1, parent_id: 3 })).toBe(
			"1 node, until stopped, from #3",
		);
	});

	it("shows only the message when idle", () => {
		expect(
			summarize({
				state: "idle",
				nodes_done: 3,
				message: "last run completed with 3 nodes",
			}),
		).toBe("last run completed with 3 nodes");
	});
});
