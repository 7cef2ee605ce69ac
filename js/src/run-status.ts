/**
 * The header: the journey's name, the state of the current run with its
 * progress, the Stop button, and the last error from the kernel or the page.
 */

import { html } from "./dom";
import { formatCount } from "./format";
import type { JourneyInfo, RunState } from "./types";

export class RunStatus {
	readonly element: HTMLDivElement;
	readonly errorElement: HTMLDivElement;
	#title = html("span", { class: "jj-title" }, "Journey");
	#state = html("span", { class: "jj-run-state", "data-field": "run-state" });
	#nodes = html("progress", { class: "jj-progress-nodes", max: 1 });
	#segment = html("progress", { class: "jj-progress-segment", max: 1 });
	#summary = html("span", {
		class: "jj-run-summary",
		"data-field": "run-summary",
	});
	#stop = html(
		"button",
		{ class: "jj-stop", type: "button", disabled: true },
		"Stop",
	);

	constructor(onStop: () => void) {
		this.element = html("div", { class: "jj-header" });
		this.errorElement = html("div", {
			class: "jj-error",
			role: "alert",
			hidden: true,
		});
		this.#nodes.title = "nodes made in this run";
		this.#segment.title = "progress towards the next node";
		this.#stop.addEventListener("click", () => {
			// Disabled at once so a second click cannot queue a second stop.
			this.#stop.disabled = true;
			this.#stop.textContent = "Stopping…";
			onStop();
		});
		this.element.append(
			this.#title,
			this.#state,
			this.#nodes,
			this.#segment,
			this.#summary,
			this.#stop,
		);
	}

	showJourney(journey: JourneyInfo | null, nodeCount: number): void {
		const name = journey?.name ?? "Journey";
		this.#title.textContent = `${name} · ${nodeCount} node${nodeCount === 1 ? "" : "s"}`;
		this.#title.title = journey?.folder ?? "";
	}

	showRun(run: RunState | null | undefined): void {
		const state = run?.state ?? "idle";
		this.element.dataset.runState = state;
		this.#state.textContent = state;

		const active = state !== "idle";
		this.#nodes.hidden = !active;
		this.#segment.hidden = !active;
		setProgress(this.#nodes, run?.nodes_done, run?.nodes_target);
		setProgress(this.#segment, run?.segment_done, run?.segment_total);

		this.#summary.textContent = summarize(run);
		this.#stop.hidden = !active;
		this.#stop.disabled = state !== "running";
		this.#stop.textContent = state === "stopping" ? "Stopping…" : "Stop";
	}

	/** Shows the kernel's error and the page's own, or hides the area. */
	showErrors(kernelError: string, pageError: string | null): void {
		const lines = [
			kernelError,
			pageError ? `In the page: ${pageError}` : "",
		].filter((line) => line.length > 0);
		this.errorElement.hidden = lines.length === 0;
		this.errorElement.textContent = lines.join("\n");
	}
}

/** A bar with a known total shows its share; without one it is indeterminate. */
function setProgress(
	bar: HTMLProgressElement,
	done: number | null | undefined,
	total: number | null | undefined,
): void {
	if (total && total > 0) {
		bar.max = total;
		bar.value = Math.min(done ?? 0, total);
	} else {
		bar.removeAttribute("value");
	}
}

/** The run in one line: "2 of 4 nodes from #1 · iteration 300 · loss 0.1234". */
export function summarize(run: RunState | null | undefined): string {
	if (!run) {
		return "";
	}
	const parts: string[] = [];
	if (run.state !== "idle") {
		const done = run.nodes_done ?? 0;
		const count = run.nodes_target
			? `${done} of ${run.nodes_target} nodes`
			: `${done} node${done === 1 ? "" : "s"}, until stopped,`;
		const origin =
			run.parent_id === null || run.parent_id === undefined
				? ""
				: ` from #${run.parent_id}`;
		parts.push(count + origin);
		if (run.iteration !== null && run.iteration !== undefined) {
			parts.push(`iteration ${formatCount(run.iteration)}`);
		}
		if (run.segment_total) {
			parts.push(`segment ${run.segment_done ?? 0}/${run.segment_total}`);
		}
		if (run.loss !== null && run.loss !== undefined) {
			parts.push(`loss ${run.loss.toFixed(4)}`);
		}
	}
	if (run.message) {
		parts.push(run.message);
	}
	return parts.join(" · ");
}
