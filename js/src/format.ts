/**
 * How numbers, times, identities and a node's caveats read in the widget.
 *
 * Accuracies use `formatFixed`, which gives the same text as Python's
 * `f"{x:.Nf}"`, so a test can compare what the page shows with the stored
 * value formatted in Python.
 */

import type { JourneyNode } from "./types";

/** Placeholder for a value that does not exist (no test samples, no parent). */
export const MISSING = "—";

/**
 * `x` with `digits` decimals, exactly as Python's `f"{x:.{digits}f}"`.
 *
 * Both round the exact binary value; they differ only on exact ties such as
 * 0.03125, where JavaScript's `toFixed` rounds up and Python rounds to even.
 * A tie has a finite expansion of `digits + 1` decimals ending in 5, so it
 * shows in `toFixed` with more digits than that.
 */
export function formatFixed(x: number, digits: number): string {
	if (!Number.isFinite(x)) {
		return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
	}
	const plain = x.toFixed(digits);
	const exact = Math.abs(x).toFixed(Math.min(digits + 30, 100));
	const point = exact.indexOf(".");
	const tail = exact.slice(point + 1 + digits);
	if (!/^50*$/.test(tail)) {
		return plain;
	}

	// An exact tie: toFixed rounded away from zero; round to even instead.
	const truncated = exact.slice(0, digits === 0 ? point : point + 1 + digits);
	const lastDigit = Number(truncated.replaceAll(".", "").slice(-1));
	const sign = x < 0 || Object.is(x, -0) ? "-" : "";
	return lastDigit % 2 === 0 ? sign + truncated : plain;
}

/** An accuracy in [0, 1] with 4 decimals, or the placeholder when missing. */
export function formatAccuracy(
	accuracy: number | null | undefined,
	digits = 4,
): string {
	return accuracy === null || accuracy === undefined
		? MISSING
		: formatFixed(accuracy, digits);
}

/** A difference with its sign always shown: "+0.0123", "-0.0040", "+0.0000". */
export function formatDelta(
	delta: number | null | undefined,
	digits = 4,
): string {
	if (delta === null || delta === undefined) {
		return MISSING;
	}
	const text = formatFixed(delta, digits);
	return text.startsWith("-") ? text : `+${text}`;
}

export function formatInterval(
	interval: readonly [number, number] | null | undefined,
): string {
	if (!interval) {
		return MISSING;
	}
	return `[${formatFixed(interval[0], 4)}, ${formatFixed(interval[1], 4)}]`;
}

/** Seconds as "0.42 s", "12.3 s", "4 min 05 s" or "2 h 03 min". */
export function formatSeconds(seconds: number | null | undefined): string {
	if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) {
		return MISSING;
	}
	if (seconds < 10) {
		return `${seconds.toFixed(2)} s`;
	}
	if (seconds < 60) {
		return `${seconds.toFixed(1)} s`;
	}
	const whole = Math.round(seconds);
	if (whole < 3600) {
		return `${Math.floor(whole / 60)} min ${pad2(whole % 60)} s`;
	}
	return `${Math.floor(whole / 3600)} h ${pad2(Math.floor((whole % 3600) / 60))} min`;
}

/** An integer with thousands separators: "12,345". */
export function formatCount(n: number | null | undefined): string {
	return n === null || n === undefined
		? MISSING
		: Math.round(n).toLocaleString("en-US");
}

const SI_PREFIXES = ["", "k", "M", "G", "T", "P", "E"];

/** Floating-point operations with an SI prefix: "3.52 GFLOP". */
export function formatFlops(flops: number | null | undefined): string {
	if (flops === null || flops === undefined || !Number.isFinite(flops)) {
		return MISSING;
	}
	let value = flops;
	let prefix = 0;
	while (Math.abs(value) >= 1000 && prefix < SI_PREFIXES.length - 1) {
		value /= 1000;
		prefix += 1;
	}
	const digits = prefix === 0 ? 0 : 2;
	return `${value.toFixed(digits)} ${SI_PREFIXES[prefix]}FLOP`;
}

/**
 * Parses Python's `datetime.isoformat()`, whose microseconds some engines
 * refuse: the fraction is cut to milliseconds first.
 */
export function parseTime(iso: string): Date {
	return new Date(iso.replace(/(\.\d{3})\d+/, "$1"));
}

/** A creation time as local "YYYY-MM-DD HH:MM:SS", or the input if unreadable. */
export function formatTime(iso: string): string {
	const date = parseTime(iso);
	if (Number.isNaN(date.getTime())) {
		return iso;
	}
	const day = `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())}`;
	const time = `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
	return `${day} ${time}`;
}

/** A content identity cut to its first characters; the full one goes in a tooltip. */
export function shortId(id: string | null | undefined, length = 12): string {
	if (!id) {
		return MISSING;
	}
	return id.length > length ? `${id.slice(0, length)}…` : id;
}

/** A strategy or stop-condition record as "key=value, key=value". */
export function formatRecord(
	record: Record<string, unknown> | null | undefined,
): string {
	if (!record || Object.keys(record).length === 0) {
		return MISSING;
	}
	return Object.entries(record)
		.map(
			([key, value]) =>
				`${key}=${typeof value === "string" ? value : JSON.stringify(value)}`,
		)
		.join(", ");
}

/**
 * A stop condition in words: "every 100 iterations", "every 2 epochs",
 * "every 30.0 s", "start (untrained)", "stopped by hand (was: every 100
 * iterations)"; anything else as its record.
 */
export function formatStop(
	stop: Record<string, unknown> | null | undefined,
): string {
	const kind = stop?.kind;
	if (kind === "start") {
		return "start (untrained)";
	}
	if (kind === "manual") {
		// The training side records a stop asked for mid-segment as
		// {"kind": "manual", "then": <the condition that was in force>}.
		const then = stop?.then;
		return isRecord(then)
			? `stopped by hand (was: ${formatStop(then)})`
			: "stopped by hand";
	}
	if (
		(kind === "iterations" || kind === "epochs") &&
		typeof stop?.n === "number"
	) {
		return `every ${stop.n} ${stop.n === 1 ? kind.slice(0, -1) : kind}`;
	}
	if (kind === "seconds" && typeof stop?.seconds === "number") {
		return `every ${formatSeconds(stop.seconds)}`;
	}
	return formatRecord(stop);
}

/** Whether a node was cut by a stop asked for by hand, not by its condition. */
export function isStoppedByHand(node: JourneyNode): boolean {
	return node.stop?.kind === "manual";
}

/** A node that trained on test samples, and its accuracy on the others. */
export interface Leakage {
	/** Test samples the node was also trained on, as case samples. */
	overlap: number;
	heldOutAccuracy: number | null;
	heldOutN: number;
}

/** The node's leakage of test samples into training, or null when none. */
export function leakageOf(node: JourneyNode): Leakage | null {
	const cases = node.test.case;
	const overlap = cases?.test_overlap ?? 0;
	if (!cases || overlap <= 0) {
		return null;
	}
	return {
		overlap,
		heldOutAccuracy: cases.held_out_accuracy ?? null,
		heldOutN: cases.held_out_n ?? 0,
	};
}

/**
 * Leakage in words: "trained on 12 test samples; held-out accuracy 0.9312
 * (n = 348)".
 */
export function formatLeakage(leakage: Leakage): string {
	const { overlap, heldOutAccuracy, heldOutN } = leakage;
	return (
		`trained on ${formatCount(overlap)} test sample${overlap === 1 ? "" : "s"}; ` +
		`held-out accuracy ${formatAccuracy(heldOutAccuracy)} (n = ${formatCount(heldOutN)})`
	);
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

function pad2(n: number): string {
	return String(n).padStart(2, "0");
}
