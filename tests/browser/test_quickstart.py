"""The quickstart notebook as a newcomer meets it: run it, watch, click a node.

What the inspector shows for a clicked node must be what Python saved for it.
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
INSPECTOR_TITLE = ".jj-inspector .jj-inspector-title"
INSPECTOR_ACCURACY = '.jj-inspector [data-field="accuracy"]'

NODES_EXPECTED = 4
TRAINING_TIMEOUT_MS = 300_000
INSPECTOR_TIMEOUT_MS = 15_000


def test_clicked_node_shows_the_accuracy_python_saved(lab):
    lab.copy_in(QUICKSTART)
    lab.open_notebook(QUICKSTART.name)

    lab.run_all_cells(QUICKSTART.name)
    drawn = lab.wait_for_count(
        TRAINED_NODE, NODES_EXPECTED, timeout_ms=TRAINING_TIMEOUT_MS
    )
    node = lab.page.locator(TRAINED_NODE).nth(drawn - 1)
    node_id = int(node.get_attribute("data-node-id"))
    node.click()
    title = re.compile(rf"^Node #{node_id}\b")
    lab.page.locator(INSPECTOR_TITLE, has_text=title).first.wait_for(
        timeout=INSPECTOR_TIMEOUT_MS
    )
    shown = lab.wait_for(INSPECTOR_ACCURACY).inner_text()

    folders = [path.parent for path in lab.root.rglob("journey.sqlite")]
    assert len(folders) == 1, f"expected one journey under {lab.root}: {folders}"
    saved = Journey.open(folders[0]).node(node_id).accuracy
    assert saved is not None
    assert shown == f"{saved:.4f}"
    assert lab.console_errors() == []
