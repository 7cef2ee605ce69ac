/**
 * One view of the widget: header, tree and inspector, redrawn from the
 * model-level node store and the synced traits.
 */

import type { AnyModel } from "@anywidget/types";
import { errorText, html } from "./dom";
import { Inspector } from "./inspector";
import type { NodeStore } from "./node-store";
import { RunStatus } from "./run-status";
import { TreeView } from "./tree-view";
import type { PageMessage, WidgetTraits } from "./types";

export class JourneyView {
	#model: AnyModel<WidgetTraits>;
	#store: NodeStore;
	#root = html("div", { class: "jj-widget" });
	#status: RunStatus;
	#tree: TreeView;
	#empty = html("div", { class: "jj-empty" }, "Waiting for the journey…");
	#inspector: Inspector;
	#viewError: string | null = null;
	#frame: number | null = null;
	#unsubscribe: () => void;
	#onSelected = () => this.#schedule();
	#onRun = () =>
		this.#guard(() => this.#status.showRun(this.#model.get("run")));
	#onError = () => this.#showErrors();

	constructor(
		model: AnyModel<WidgetTraits>,
		store: NodeStore,
		el: HTMLElement,
	) {
		this.#model = model;
		this.#store = store;
		this.#status = new RunStatus(() => this.#send({ type: "stop" }));
		this.#tree = new TreeView((id) => {
			this.#model.set("selected", id);
			this.#model.save_changes();
		});
		this.#inspector = new Inspector(store);

		const treePane = html("div", { class: "jj-tree-pane" });
		treePane.append(this.#tree.element, this.#empty);
		this.#root.append(
			this.#status.element,
			this.#status.errorElement,
			treePane,
			this.#inspector.element,
		);
		el.append(this.#root);

		this.#unsubscribe = store.subscribe(() => this.#schedule());
		model.on("change:selected", this.#onSelected);
		model.on("change:run", this.#onRun);
		model.on("change:error", this.#onError);
		this.#onRun();
		this.#draw();
	}

	dispose(): void {
		this.#unsubscribe();
		this.#model.off("change:selected", this.#onSelected);
		this.#model.off("change:run", this.#onRun);
		this.#model.off("change:error", this.#onError);
		if (this.#frame !== null) {
			cancelAnimationFrame(this.#frame);
		}
		this.#inspector.dispose();
		this.#root.remove();
	}

	/** Coalesces bursts of nodes into one redraw per frame. */
	#schedule(): void {
		if (this.#frame === null) {
			this.#frame = requestAnimationFrame(() => {
				this.#frame = null;
				this.#draw();
			});
		}
	}

	#draw(): void {
		this.#guard(() => {
			const selected = this.#model.get("selected") ?? null;
			const nodes = this.#store.sorted();
			this.#empty.hidden = nodes.length > 0;
			this.#empty.textContent = this.#store.treeLoaded
				? "No nodes yet."
				: "Waiting for the journey…";
			this.#status.showJourney(this.#store.journey, nodes.length);
			this.#tree.draw(nodes, selected);
			this.#inspector.show(this.#store.get(selected));
		});
		this.#showErrors();
	}

	#send(message: PageMessage): void {
		this.#model.send(message);
	}

	/** Runs a drawing step; a failure is shown in the widget, not lost. */
	#guard(step: () => void): void {
		try {
			step();
			this.#viewError = null;
		} catch (error) {
			console.error("jupyter_journey widget:", error);
			this.#viewError = errorText(error);
			this.#showErrors();
		}
	}

	#showErrors(): void {
		const pageError = this.#viewError ?? this.#store.problem;
		this.#status.showErrors(this.#model.get("error") ?? "", pageError);
	}
}
