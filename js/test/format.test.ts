import { describe, expect, it } from "vitest";
import {
	formatAccuracy,
	formatCount,
	formatDelta,
	formatFixed,
	formatFlops,
	formatInterval,
	formatLeakage,
	formatRecord,
	formatSeconds,
	formatStop,
	formatTime,
	isStoppedByHand,
	leakageOf,
	parseTime,
	shortId,
} from "../src/format";
import { makeNode, stoppedByHand } from "./fixtures";

describe("formatFixed matches Python's f-string", () => {
	// Expected values printed by Python: f"{x:.4f}" (and .3f, .0f).
	it.each([
		[0.97333333, 4, "0.9733"],
		[1, 4, "1.0000"],
		[0, 4, "0.0000"],
		[0.03125, 4, "0.0312"],
		[0.09375, 4, "0.0938"],
		[0.15625, 4, "0.1562"],
		[0.96875, 3, "0.969"],
		[0.0625, 3, "0.062"],
		[2.5, 0, "2"],
		[3.5, 0, "4"],
		[-0.03125, 4, "-0.0312"],
		[-0.00001, 4, "-0.0000"],
		[0.12345, 4, "0.1235"],
		[Number.NaN, 4, "nan"],
	])("%s with %i decimals is %s", (x, digits, expected) => {
		expect(formatFixed(x, digits)).toBe(expected);
	});
});

describe("formatting", () => {
	it("shows a missing accuracy as a dash", () => {
		expect(formatAccuracy(null)).toBe("—");
		expect(formatAccuracy(331 / 360)).toBe("0.9194");
		expect(formatAccuracy(331 / 360, 3)).toBe("0.919");
	});

	it("always signs a difference", () => {
		expect([formatDelta(0.01234), formatDelta(-0.004), formatDelta(0)]).toEqual(
			["+0.0123", "-0.0040", "+0.0000"],
		);
	});

	it("writes intervals, seconds, counts and FLOPs", () => {
		expect(formatInterval([0.91234, 0.95])).toBe("[0.9123, 0.9500]");
		expect([
			formatSeconds(0.4213),
			formatSeconds(12.34),
			formatSeconds(245),
		]).toEqual(["0.42 s", "12.3 s", "4 min 05 s"]);
		expect(formatSeconds(7385)).toBe("2 h 03 min");
		expect(formatCount(1234567)).toBe("1,234,567");
		expect([formatFlops(999), formatFlops(3.52e9)]).toEqual([
			"999 FLOP",
			"3.52 GFLOP",
		]);
	});

	it("reads Python's microsecond timestamps", () => {
		const date = parseTime("2025-01-02T03:04:05.123456+00:00");

		expect(date.toISOString()).toBe("2025-01-02T03:04:05.123Z");
		expect(formatTime("2025-01-02T03:04:05.123456+00:00")).toMatch(
			/^\d{4}-\d\d-\d\d \d\d:\d\d:05$/,
		);
		expect(formatTime("not a time")).toBe("not a time");
	});

	it("cuts long identities and lists records", () => {
		expect(shortId("sha256:0123456789abcdef")).toBe("sha256:01234…");
		expect(shortId(null)).toBe("—");
		expect(
			formatRecord({ optimizer: "sgd", lr: 0.1, betas: [0.9, 0.99] }),
		).toBe("optimizer=sgd, lr=0.1, betas=[0.9,0.99]");
	});

	it("says when a stop condition cuts a node", () => {
		expect(formatStop({ kind: "iterations", n: 100 })).toBe(
			"every 100 iterations",
		);
		expect(formatStop({ kind: "epochs", n: 1 })).toBe("every 1 epoch");
		expect(formatStop({ kind: "seconds", seconds: 30 })).toBe("every 30.0 s");
		expect(formatStop({ kind: "start" })).toBe("start (untrained)");
		expect(formatStop({ kind: "plateau", patience: 3 })).toBe(
			"kind=plateau, patience=3",
		);
	});
});

describe("a node stopped by hand", () => {
	const manual = stoppedByHand({ kind: "iterations", n: 100 });

	it("reads as stopped by hand, with the condition it interrupted", () => {
		expect(formatStop(manual)).toBe(
			"stopped by hand (was: every 100 iterations)",
		);
		expect(formatStop(stoppedByHand({ kind: "epochs", n: 2 }))).toBe(
			"stopped by hand (was: every 2 epochs)",
		);
		expect(formatStop(stoppedByHand())).toBe("stopped by hand");
	});

	it("is told apart from a node its condition cut", () => {
		expect(isStoppedByHand(makeNode(2, 1, { stop: manual }))).toBe(true);
		expect(isStoppedByHand(makeNode(2, 1))).toBe(false);
	});
});

describe("leakage of test samples", () => {
	const cases = {
		n: 20,
		weighted_accuracy: 0.9,
		effective_n: 20,
		interval: null,
		threshold: 1,
		above_threshold_accuracy: null,
		above_threshold_n: 0,
	};
	const withCases = (extra: object) => {
		const node = makeNode(3, 2);
		return makeNode(3, 2, {
			test: { ...node.test, case: { ...cases, ...extra } },
		});
	};

	it("is found where test samples were case samples, and said in words", () => {
		const leakage = leakageOf(
			withCases({ test_overlap: 1, held_out_accuracy: 0.5, held_out_n: 359 }),
		);

		expect(leakage).toEqual({
			overlap: 1,
			heldOutAccuracy: 0.5,
			heldOutN: 359,
		});
		expect(leakage && formatLeakage(leakage)).toBe(
			"trained on 1 test sample; held-out accuracy 0.5000 (n = 359)",
		);
	});

	it("is absent without a case set, without overlap, or from older nodes", () => {
		expect(leakageOf(makeNode(3, 2))).toBeNull();
		expect(leakageOf(withCases({ test_overlap: 0 }))).toBeNull();
		// Nodes saved before the overlap was recorded have no such field.
		expect(leakageOf(withCases({}))).toBeNull();
	});

	it("says so when no test sample was held out", () => {
		const leakage = leakageOf(
			withCases({ test_overlap: 360, held_out_accuracy: null, held_out_n: 0 }),
		);

		expect(leakage && formatLeakage(leakage)).toBe(
			"trained on 360 test samples; held-out accuracy — (n = 0)",
		);
	});
});
