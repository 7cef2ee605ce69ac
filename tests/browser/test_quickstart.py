"""The quickstart notebook as a newcomer meets it: run it, watch, click a node.

What the page draws must be what Python saved: the same nodes and edges,
the branch the notebook grows from an earlier node included, and a clicked
node's accuracy.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jupyter_journey import Journey

pytestmark = pytest.mark.browser

QUICKSTART = Path(__file__).resolve().parents[2] / "notebooks" / "quickstart.ipynb"

# Selectors the widget documents (js/src/tree-view.ts, js/src/inspector.ts).
TRAINED_NODE = 'g.jj-node[data-kind="trained"]'
ANY_NODE = "g.jj-node"
INSPECTOR_TITLE = ".jj-inspector .jj-inspector-title"
INSPECTOR_ACCURACY = '.jj-inspector [data-field="accuracy"]'

NODES_EXPECTED = 4
TRAINING_TIMEOUT_MS = 300_000
INSPECTOR_TIMEOUT_MS = 15_000


def test_quickstart_draws_the_saved_tree_and_a_click_shows_the_saved_accuracy(lab):
    lab.copy_in(QUICKSTART)
    lab.open_notebook(QUICKSTART.name)

    lab.run_all_cells(QUICKSTART.name)
    folders = [path.parent for path in lab.root.rglob("journey.sqlite")]
    assert len(folders) == 1, f"expected one journey under {lab.root}: {folders}"
    journey = Journey.open(folders[0])
    saved = journey.nodes()
    trained = [node for node in saved if node.kind == "trained"]
    assert len(trained) >= NODES_EXPECTED
    # Every cell has run, so every node is saved; the last ones may still be
    # on their way to the page.
    lab.page.wait_for_function(
        "([selector, n]) => document.querySelectorAll(selector).length === n",
        # Every node, the start node too: it comes with the tree the page asks
        # for, which the kernel answers only once the queued cells have run.
        arg=[ANY_NODE, len(saved)],
        timeout=TRAINING_TIMEOUT_MS,
    )
    drawn = lab.drawn_tree()

    assert sorted(drawn.nodes) == [(n.id, n.kind, n.parent_id) for n in saved]
    assert sorted(drawn.links) == sorted(
        (n.parent_id, n.id) for n in saved if n.parent_id is not None
    )
    # The quickstart branches once: from its third trained node, a second
    # line beside the first.
    branch_points = [n for n in saved if len(journey.children(n)) > 1]
    assert [n.id for n in branch_points] == [trained[2].id]
    branch_point = branch_points[0].id
    drawn_children = sorted(t for s, t in drawn.links if s == branch_point)
    assert drawn_children == [n.id for n in journey.children(branch_point)]
    assert len(drawn_children) == 2

    node = lab.page.locator(TRAINED_NODE).nth(len(trained) - 1)
    node_id = int(node.get_attribute("data-node-id"))
    node.click()
    title = re.compile(rf"^Node #{node_id}\b")
    lab.page.locator(INSPECTOR_TITLE, has_text=title).first.wait_for(
        timeout=INSPECTOR_TIMEOUT_MS
    )
    shown = lab.wait_for(INSPECTOR_ACCURACY).inner_text()

    accuracy = journey.node(node_id).accuracy
    assert accuracy is not None
    assert shown == f"{accuracy:.4f}"
    assert lab.console_errors() == []
