import type { JourneyNode } from "../src/types";

/** A node as `Node.to_json()` writes it, with the fields a test cares about. */
export function makeNode(
	id: number,
	parentId: number | null,
	overrides: Partial<JourneyNode> = {},
): JourneyNode {
	return {
		id,
		parent_id: parentId,
		kind: parentId === null ? "start" : "trained",
		created_at: `2025-01-02T03:04:${String(id).padStart(2, "0")}.123456+00:00`,
		position: {
			iteration: id * 100,
			epoch: 0,
			offset: id * 3200,
			schedule_origin: 0,
		},
		dataset_id: "sha256:0123456789abcdef",
		case_set_id: null,
		strategy: { optimizer: "sgd", lr: 0.1 },
		stop: { kind: "iterations", n: 100 },
		test: {
			n: 360,
			correct: 300 + id,
			accuracy: (300 + id) / 360,
			interval: [0.8, 0.9],
			per_class: [0.5, 1.0],
			per_class_n: [180, 180],
			confusion: [
				[90, 90],
				[0, 180],
			],
			case: null,
		},
		compute: {
			wall_seconds: 1.5,
			cpu_seconds: 2.5,
			samples: 3200,
			flops: 1.2e9,
			device: "cpu",
		},
		run_id: "run-1",
		...overrides,
	};
}

/** The stop record of a node stopped by hand while `then` was in force. */
export function stoppedByHand(
	then?: Record<string, unknown>,
): Record<string, unknown> {
	return then === undefined ? { kind: "manual" } : { kind: "manual", then };
}
