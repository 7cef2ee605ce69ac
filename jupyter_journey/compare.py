"""Comparing two nodes of a journey on the same test samples.

Both nodes were evaluated on the journey's test split, sample by sample, so
their results pair up: per-class accuracy differences, the test samples one
fixed and the other broke, and McNemar's exact test of whether the difference
is more than chance.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from .metrics import mcnemar_exact
from .node import Node

if TYPE_CHECKING:
    from .journey import Journey


@dataclass(frozen=True)
class ClassDifference:
    """How one class's test accuracy changed from one node to the other.

    Attributes
    ----------
    label : str
        The class name.
    n : int
        Test samples of the class.
    before : float or None
        Accuracy of the first node on them; None when ``n`` is 0.
    after : float or None
        Accuracy of the second node.
    difference : float or None
        ``after - before``.
    """

    label: str
    n: int
    before: float | None
    after: float | None
    difference: float | None


@dataclass(frozen=True)
class NodeComparison:
    """Two nodes side by side on the journey's test samples.

    Attributes
    ----------
    before_id, after_id : int
        The nodes compared: changes are read from ``before`` to ``after``.
    accuracy_before, accuracy_after : float or None
        Their test accuracies.
    difference : float or None
        ``accuracy_after - accuracy_before``.
    per_class : list of ClassDifference
        Per-class accuracies, in label order.
    fixed : list of int
        Test indices ``before`` got wrong and ``after`` got right.
    broken : list of int
        Test indices ``before`` got right and ``after`` got wrong.
    mcnemar_p : float
        Two-sided exact McNemar p-value over the fixed and broken samples;
        1 when there are none.
    """

    before_id: int
    after_id: int
    accuracy_before: float | None
    accuracy_after: float | None
    difference: float | None
    per_class: list[ClassDifference]
    fixed: list[int]
    broken: list[int]
    mcnemar_p: float

    def to_json(self) -> dict[str, Any]:
        """The comparison as JSON-ready data."""
        return asdict(self)


def compare_nodes(
    journey: Journey, before: Node | int, after: Node | int
) -> NodeComparison:
    """Compare ``after`` with ``before`` on every test sample.

    Parameters
    ----------
    journey : Journey
        The journey both nodes belong to.
    before, after : Node or int
        The nodes, or their ids; "fixed" and "broken" read from ``before`` to
        ``after`` (a parent and its child, say).

    Returns
    -------
    NodeComparison
    """
    first = journey.node(before.id if isinstance(before, Node) else before)
    second = journey.node(after.id if isinstance(after, Node) else after)
    truth = journey.test_labels()
    right_before = journey.test_predictions(first)[0] == truth
    right_after = journey.test_predictions(second)[0] == truth
    per_class = [
        ClassDifference(
            label=label,
            n=n,
            before=a,
            after=b,
            difference=None if a is None or b is None else b - a,
        )
        for label, n, a, b in zip(
            journey.label_names,
            first.test.per_class_n,
            first.test.per_class,
            second.test.per_class,
            strict=True,
        )
    ]
    accuracy_before, accuracy_after = first.accuracy, second.accuracy
    return NodeComparison(
        before_id=first.id,
        after_id=second.id,
        accuracy_before=accuracy_before,
        accuracy_after=accuracy_after,
        difference=(
            None
            if accuracy_before is None or accuracy_after is None
            else accuracy_after - accuracy_before
        ),
        per_class=per_class,
        fixed=(~right_before & right_after).nonzero().flatten().tolist(),
        broken=(right_before & ~right_after).nonzero().flatten().tolist(),
        mcnemar_p=mcnemar_exact(right_before.tolist(), right_after.tolist()),
    )
