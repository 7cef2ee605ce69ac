/**
 * The anywidget module: `initialize` builds one node store per widget model
 * and feeds it the kernel's messages; `render` draws a view from that store,
 * so every view of one widget shows the same nodes.
 */

import type { AnyModel, Initialize, Render } from "@anywidget/types";
import { errorText } from "./dom";
import { JourneyView } from "./journey-view";
import { NodeStore } from "./node-store";
import type { PageMessage, WidgetTraits } from "./types";

/**
 * Stores by the `_store_key` trait. anywidget hands `initialize` and each
 * `render` a different wrapper around the same model, so the wrapper cannot
 * be the key; a trait value that is the same in all of them can.
 */
const stores = new Map<string, NodeStore>();

const initialize: Initialize<WidgetTraits> = ({ model }) => {
	const key = model.get("_store_key");
	const store = new NodeStore();
	stores.set(key, store);

	const onMessage = (message: unknown) => {
		try {
			store.receive(message);
		} catch (error) {
			console.error("jupyter_journey widget: bad message", message, error);
			store.reportProblem(errorText(error));
		}
	};
	model.on("msg:custom", onMessage);
	// The kernel answers between cells: while a cell blocks it, the tree waits
	// (views say "Waiting for the journey…"), but nodes from a training thread
	// still arrive as their own messages and are drawn meanwhile.
	send(model, { type: "request-tree" });

	return () => {
		model.off("msg:custom", onMessage);
		if (stores.get(key) === store) {
			stores.delete(key);
		}
	};
};

const render: Render<WidgetTraits> = ({ model, el }) => {
	const store = stores.get(model.get("_store_key"));
	if (!store) {
		throw new Error(
			"jupyter_journey widget: no node store for this model; initialize did not run",
		);
	}
	const view = new JourneyView(model, store, el);
	return () => view.dispose();
};

function send(model: AnyModel<WidgetTraits>, message: PageMessage): void {
	model.send(message);
}

export default { initialize, render };
