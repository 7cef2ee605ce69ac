"""The retraining notebook as a reader runs it: its branch grows in the widget.

The children trained on the case set hang under their parent, beside the
sibling trained without it, and a clicked child shows the case-set results
Python saved for it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jupyter_journey import Journey

pytestmark = pytest.mark.browser

RETRAINING = Path(__file__).resolve().parents[2] / "notebooks" / "retraining.ipynb"

# Selectors the widget documents (js/src/tree-view.ts, js/src/inspector.ts).
TRAINED_NODE = 'g.jj-node[data-kind="trained"]'
ANY_NODE = "g.jj-node"
INSPECTOR_TITLE = ".jj-inspector .jj-inspector-title"

RUN_TIMEOUT_MS = 300_000


def field(name: str) -> str:
    return f'.jj-inspector [data-field="{name}"]'


def test_retraining_notebook_draws_its_branch_with_case_results(lab):
    lab.copy_in(RETRAINING)
    lab.open_notebook(RETRAINING.name)

    lab.run_all_cells(RETRAINING.name, timeout_ms=RUN_TIMEOUT_MS)
    folders = [path.parent for path in lab.root.rglob("journey.sqlite")]
    assert len(folders) == 1, f"expected one journey under {lab.root}: {folders}"
    journey = Journey.open(folders[0])
    saved = journey.nodes()
    retrained = [node for node in saved if node.test.case is not None]
    lab.page.wait_for_function(
        "([selector, n]) => document.querySelectorAll(selector).length === n",
        # Every node, the start node too: it comes with the tree the page asks
        # for, which the kernel answers only once the queued cells have run.
        arg=[ANY_NODE, len(saved)],
    )
    drawn = lab.drawn_tree()

    assert sorted(drawn.nodes) == [(n.id, n.kind, n.parent_id) for n in saved]
    # The case-set branch and its sibling without a case set start from the
    # same parent (which may also have the first line's next node as a child).
    parent = retrained[0].parent_id
    assert parent is not None
    children = [n.id for n in journey.children(parent)]
    assert len(children) >= 2
    assert sorted(t for s, t in drawn.links if s == parent) == children

    child = retrained[-1]
    lab.page.locator(f'{TRAINED_NODE}[data-node-id="{child.id}"]').click()
    lab.page.locator(
        INSPECTOR_TITLE, has_text=re.compile(rf"^Node #{child.id}\b")
    ).first.wait_for()
    case = child.test.case
    assert case is not None
    assert case.weighted_accuracy is not None
    assert case.interval is not None
    low, high = case.interval
    assert lab.wait_for(field("case-n")).inner_text() == str(case.n)
    assert (
        lab.wait_for(field("case-weighted-accuracy")).inner_text()
        == f"{case.weighted_accuracy:.4f}"
    )
    assert lab.wait_for(field("case-interval")).inner_text() == (
        f"[{low:.4f}, {high:.4f}]"
    )
    assert lab.console_errors() == []
