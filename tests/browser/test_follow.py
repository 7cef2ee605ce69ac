"""A long run as a person watches it: the count moves and the tree follows.

Nodes a few hundredths of a second apart make a tree far wider than the page.
While the run goes, the header counts its nodes; the tree pane keeps the
newest node in view, moves to a node selected from Python, and then leaves
the reader's place alone while more nodes arrive.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

NODES = 150

CELLS = [
    "from jupyter_journey import EveryNIterations, Journey, JourneyWidget\n"
    "journey = Journey.create('long')\n"
    "widget = JourneyWidget(journey)\n"
    "widget",
    f"run = journey.train(EveryNIterations(1), nodes={NODES})",
]

# Selectors the widget documents (js/src/tree-view.ts, js/src/run-status.ts).
PANE = ".jj-tree-pane"
NODE = "g.jj-node"
RUN_SUMMARY = '[data-field="run-summary"]'

RUN_TIMEOUT_MS = 180_000

# Whether node `id`'s dot lies inside the tree pane, and how far it scrolled.
DOT_IN_PANE = """(id) => {
    const pane = document.querySelector(".jj-tree-pane");
    const dot = pane.querySelector(`g.jj-node[data-node-id="${id}"] .jj-dot`);
    const p = pane.getBoundingClientRect();
    const d = dot.getBoundingClientRect();
    return {
        inside: d.left >= p.left && d.right <= p.right
            && d.top >= p.top && d.bottom <= p.bottom,
        scrollLeft: pane.scrollLeft,
        scrollWidth: pane.scrollWidth,
        clientWidth: pane.clientWidth,
    };
}"""

# Runs Python in the notebook's kernel, as a new cell would.
EXECUTE = """async (code) => {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    const reply = await kernel.requestExecute({ code }).done;
    return reply.content.status;
}"""


def test_a_long_run_is_counted_and_followed_until_the_reader_looks_elsewhere(lab):
    lab.write_notebook("long.ipynb", CELLS)
    lab.open_notebook("long.ipynb")

    lab.run_all_cells("long.ipynb")
    counting = re.compile(rf"^[1-9]\d* of {NODES} nodes")
    lab.page.locator(RUN_SUMMARY, has_text=counting).wait_for(timeout=RUN_TIMEOUT_MS)
    lab.wait_for_count(NODE, NODES + 1, timeout_ms=RUN_TIMEOUT_MS)
    newest = lab.evaluate(DOT_IN_PANE, NODES + 1)

    assert newest["scrollWidth"] > 3 * newest["clientWidth"]
    assert newest["scrollLeft"] > 0
    assert newest["inside"]

    assert lab.evaluate(EXECUTE, "widget.selected = 2") == "ok"
    lab.page.wait_for_function(f"({DOT_IN_PANE})(2).inside")
    status = lab.evaluate(EXECUTE, "journey.train(EveryNIterations(1), nodes=3).wait()")
    lab.wait_for_count(NODE, NODES + 4)
    after = lab.evaluate(DOT_IN_PANE, NODES + 4)

    assert status == "ok"
    assert lab.evaluate(DOT_IN_PANE, 2)["inside"]
    assert not after["inside"]
    assert lab.console_errors() == []
