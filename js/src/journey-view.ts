/**
 * One view of the widget: header, tree and inspector, redrawn from the
 * model-level node store and the synced traits.
 *
 * The tree pane follows the journey: a new node is scrolled into view while
 * the reader watches the newest one, and a node selected from Python or by a
 * click is scrolled into view (see `follow.ts`).
 */

import type { AnyModel } from "@anywidget/types";
import { errorText, html } from "./dom";
import {
	type Point,
	scrollToShow,
	shouldFollow,
	type Viewport,
} from "./follow";
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
	#treePane = html("div", { class: "jj-tree-pane" });
	/** The newest and the selected node as last brought into view. */
	#shownNewest: number | null = null;
	#shownSelected: number | null = null;
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

		this.#treePane.append(this.#tree.element, this.#empty);
		this.#root.append(
			this.#status.element,
			this.#status.errorElement,
			this.#treePane,
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
			const viewport = this.#viewport();
			const follow =
				viewport !== null &&
				shouldFollow(this.#pointInPane(this.#shownNewest), viewport);
			this.#tree.draw(nodes, selected);
			if (viewport !== null) {
				this.#scroll(nodes.at(-1)?.id ?? null, selected, follow, viewport);
			}
			this.#inspector.show(this.#store.get(selected));
		});
		this.#showErrors();
	}

	/**
	 * Brings a newly selected node into view, or else a newly arrived one when
	 * the reader follows the run. A node the page has not drawn yet is tried
	 * again on the next drawing.
	 */
	#scroll(
		newest: number | null,
		selected: number | null,
		follow: boolean,
		viewport: Viewport,
	): void {
		let target: Point | undefined;
		if (newest !== this.#shownNewest) {
			const point = this.#pointInPane(newest);
			if (point || newest === null) {
				this.#shownNewest = newest;
				target = follow ? point : undefined;
			}
		}
		if (selected !== this.#shownSelected) {
			const point = this.#pointInPane(selected);
			if (point || selected === null) {
				this.#shownSelected = selected;
				target = point ?? target;
			}
		}
		if (target) {
			const { left, top } = scrollToShow(target, viewport);
			this.#treePane.scrollTo({ left, top });
		}
	}

	/** The pane's visible part of the tree; null while it is not laid out. */
	#viewport(): Viewport | null {
		const pane = this.#treePane;
		if (!pane.isConnected || pane.clientWidth === 0) {
			return null;
		}
		return {
			left: pane.scrollLeft,
			top: pane.scrollTop,
			width: pane.clientWidth,
			height: pane.clientHeight,
		};
	}

	/** Where node `id` is drawn, in the pane's scrolled content. */
	#pointInPane(id: number | null): Point | undefined {
		const point = this.#tree.position(id);
		if (!point) {
			return undefined;
		}
		const pane = this.#treePane;
		const paneBox = pane.getBoundingClientRect();
		const treeBox = this.#tree.element.getBoundingClientRect();
		return {
			x:
				point.x +
				treeBox.left -
				paneBox.left -
				pane.clientLeft +
				pane.scrollLeft,
			y: point.y + treeBox.top - paneBox.top - pane.clientTop + pane.scrollTop,
		};
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
