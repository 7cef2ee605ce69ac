"""A journey reopened in a new kernel is the same journey, and the widget draws it.

One process makes a journey, with a branch retrained on a case set, and exits.
A notebook in JupyterLab, in a kernel of its own, opens the folder and shows
it: the page must draw exactly the nodes and edges that were saved, and a
clicked node must show its saved accuracy and case-set results.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from jupyter_journey import Journey

pytestmark = pytest.mark.browser

FOLDER = "journeys/made-elsewhere"

# Three nodes of 50 iterations, then a branch from the first trained node on
# the test digits that node got wrong, weighted 2 so they count above the
# weight threshold of 1.
MAKE_JOURNEY = f"""
import warnings

from jupyter_journey import EveryNIterations, Journey, LearningStrategy

journey = Journey.create(
    {FOLDER!r}, hyperparameters={{"hidden": 32}},
    strategy=LearningStrategy(lr=1e-3, batch_size=32),
)
journey.train(EveryNIterations(50), nodes=3).wait()
first = journey.nodes()[1]
case_set = journey.case_set()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the leakage of test samples is meant here
    case_set.add_test_samples(journey, first, weight=2.0)
journey.train(
    EveryNIterations(50), nodes=1, parent=first, case_set=case_set,
    weight_threshold=1.0,
).wait()
"""
MAKE_TIMEOUT_S = 120

REOPEN_CELLS = [
    "from jupyter_journey import Journey, JourneyWidget",
    f"journey = Journey.open({FOLDER!r})\nJourneyWidget(journey)",
]

# Selectors the widget documents (js/src/tree-view.ts, js/src/inspector.ts).
NODE = "g.jj-node"
INSPECTOR_TITLE = ".jj-inspector .jj-inspector-title"


def field(name: str) -> str:
    return f'.jj-inspector [data-field="{name}"]'


def test_a_new_kernel_draws_the_journey_as_it_was_saved(lab):
    subprocess.run(
        [sys.executable, "-c", MAKE_JOURNEY],
        cwd=lab.root,
        check=True,
        timeout=MAKE_TIMEOUT_S,
    )
    saved = Journey.open(lab.root / FOLDER).nodes()
    retrained = [node for node in saved if node.test.case is not None]
    assert len(saved) == 5
    assert len(retrained) == 1
    lab.write_notebook("reopen.ipynb", REOPEN_CELLS)
    lab.open_notebook("reopen.ipynb")

    lab.run_all_cells("reopen.ipynb")
    lab.wait_for_count(NODE, len(saved))
    drawn = lab.drawn_tree()

    assert sorted(drawn.nodes) == [(n.id, n.kind, n.parent_id) for n in saved]
    assert sorted(drawn.links) == sorted(
        (n.parent_id, n.id) for n in saved if n.parent_id is not None
    )

    child = retrained[0]
    lab.page.locator(f'{NODE}[data-node-id="{child.id}"]').click()
    lab.page.locator(
        INSPECTOR_TITLE, has_text=re.compile(rf"^Node #{child.id}\b")
    ).first.wait_for()
    case = child.test.case
    assert child.accuracy is not None
    assert case.weighted_accuracy is not None
    assert case.above_threshold_accuracy is not None
    assert case.interval is not None
    assert lab.wait_for(field("accuracy")).inner_text() == f"{child.accuracy:.4f}"
    assert lab.wait_for(field("case-n")).inner_text() == str(case.n)
    assert (
        lab.wait_for(field("case-weighted-accuracy")).inner_text()
        == f"{case.weighted_accuracy:.4f}"
    )
    low, high = case.interval
    assert (
        lab.wait_for(field("case-interval")).inner_text() == f"[{low:.4f}, {high:.4f}]"
    )
    # Every case sample weighs the same, so Kish's n is the plain n, exactly.
    assert lab.wait_for(field("case-effective-n")).inner_text() == f"{case.n:.1f}"
    assert (
        lab.wait_for(field("case-above-threshold")).inner_text()
        == f"{case.above_threshold_accuracy:.4f} (n = {case.above_threshold_n})"
    )
    assert lab.console_errors() == []
