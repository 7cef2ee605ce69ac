/**
 * The shapes that cross the wire between the kernel and the page.
 *
 * They mirror `Node.to_json()` in `jupyter_journey/node.py` and the widget
 * protocol in `docs/architecture.md`; a change there must be made here too.
 */

export type NodeKind = "start" | "trained";

export interface CaseResult {
	n: number;
	weighted_accuracy: number | null;
	effective_n: number;
	interval: [number, number] | null;
	threshold: number;
	above_threshold_accuracy: number | null;
	above_threshold_n: number;
	/** Test samples that are also case samples, and accuracy on the others. */
	test_overlap?: number;
	held_out_accuracy?: number | null;
	held_out_n?: number;
}

export interface TestResult {
	n: number;
	correct: number;
	accuracy: number | null;
	interval: [number, number] | null;
	per_class: (number | null)[];
	per_class_n: number[];
	confusion: number[][];
	case?: CaseResult | null;
}

export interface Compute {
	wall_seconds: number;
	cpu_seconds: number;
	samples: number;
	flops: number;
	device: string;
}

export interface Position {
	iteration: number;
	epoch: number;
	offset: number;
	schedule_origin: number;
}

export interface JourneyNode {
	id: number;
	parent_id: number | null;
	kind: NodeKind;
	/** ISO 8601, as written by Python's `datetime.isoformat()`. */
	created_at: string;
	position: Position;
	dataset_id: string;
	case_set_id: string | null;
	strategy: Record<string, unknown>;
	stop: Record<string, unknown>;
	test: TestResult;
	compute: Compute;
	run_id: string | null;
}

export interface JourneyInfo {
	name: string;
	folder: string;
	label_names: string[];
}

export type RunStateName = "idle" | "running" | "stopping";

/** The `run` trait; every field but `state` may be missing or null. */
export interface RunState {
	state: RunStateName;
	run_id?: string | null;
	parent_id?: number | null;
	iteration?: number | null;
	nodes_done?: number | null;
	nodes_target?: number | null;
	segment_done?: number | null;
	segment_total?: number | null;
	loss?: number | null;
	message?: string | null;
}

/** The synced traits, as the page sees them. */
export interface WidgetTraits {
	selected: number | null;
	run: RunState;
	error: string;
	_store_key: string;
}

export type KernelMessage =
	| { type: "tree"; journey: JourneyInfo; nodes: JourneyNode[] }
	| { type: "node"; node: JourneyNode };

export type PageMessage = { type: "request-tree" } | { type: "stop" };
