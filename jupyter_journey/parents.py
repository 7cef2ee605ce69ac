"""Rules that choose the parent node to retrain from, each with a one-line reason.

A rule looks at a journey and returns a ``ParentChoice``: the node, and a
reason that names the figures that decided it. ``choose_parent(journey,
rule)`` applies one; ``journey.train(parent=rule)`` trains from its choice and
keeps the reason as ``run.parent_reason``.

Rules choose among trained nodes unless given ``candidates``. Ties are broken
the same way every time: among equal figures, the node created first wins
(then the lower id, for nodes saved within the same clock tick).

A rule checks its arguments when it is made, so a mistake shows on the line
that wrote it: an argument of the wrong kind is a ``TypeError``, a number out
of range (or a bool, infinity, NaN) a ``ValueError``. What depends on the
journey (whether a candidate exists, whether a case set's weights sum to more
than 0 by the time the rule is applied) is checked when the rule chooses.
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from .cases import CaseSet
from .node import Node

if TYPE_CHECKING:
    from .journey import Journey


class ParentChoice(NamedTuple):
    """The node a rule chose and why, in one line."""

    node: Node
    reason: str


class ParentRule(ABC):
    """A way to choose the parent node; subclasses say which figure decides."""

    @abstractmethod
    def choose(self, journey: Journey) -> ParentChoice:
        """The parent this rule picks in ``journey``, with its reason."""


RuleLike = ParentRule | Callable[["Journey"], tuple[Node, str]]


def choose_parent(journey: Journey, rule: RuleLike) -> ParentChoice:
    """Apply ``rule`` to ``journey``.

    Parameters
    ----------
    journey : Journey
        The journey to choose in.
    rule : ParentRule or callable
        A rule from this module, or any function of the journey returning
        ``(node, reason)``.

    Returns
    -------
    ParentChoice
        The chosen node, as the journey stores it, and the reason.
    """
    chosen: object
    if isinstance(rule, ParentRule):
        chosen = rule.choose(journey)
    elif callable(rule):
        chosen = rule(journey)
    else:
        raise TypeError(
            f"rule must be a ParentRule (such as HighestAccuracy()) or a function "
            f"of the journey returning (node, reason), got {rule!r}"
        )
    if not (
        isinstance(chosen, tuple)
        and len(chosen) == 2
        and isinstance(chosen[0], Node)
        and isinstance(chosen[1], str)
    ):
        raise TypeError(f"a parent rule must return (Node, str), got {chosen!r}")
    node, reason = chosen
    return ParentChoice(journey.node(node.id), reason)


def _checked_candidates(
    rule: ParentRule, given: object
) -> tuple[Node | int, ...] | None:
    """``given`` as a tuple of nodes and plain int ids, or None; else an error."""
    name = f"{type(rule).__name__} candidates"
    if given is None:
        return None
    if isinstance(given, str | bytes | Node) or not isinstance(given, Iterable):
        raise TypeError(
            f"{name} must be a list of nodes or node ids, such as [2, 5], got {given!r}"
        )
    candidates = tuple(given)
    wrong = [
        c
        for c in candidates
        if not isinstance(c, Node)
        and (isinstance(c, bool) or not isinstance(c, numbers.Integral))
    ]
    if wrong:
        raise TypeError(
            f"{name} must be nodes or node ids (int); {wrong[:5]!r} are neither"
        )
    if not candidates:
        raise ValueError(f"{name} is empty; name at least one node")
    return tuple(c if isinstance(c, Node) else int(c) for c in candidates)


def _check_case_set(rule: ParentRule, case_set: object) -> None:
    if not isinstance(case_set, CaseSet):
        raise TypeError(
            f"{type(rule).__name__} case_set must be a CaseSet, such as "
            f"journey.case_set(), got {case_set!r}"
        )


def _number(
    rule: ParentRule,
    name: str,
    value: object,
    bounds: tuple[float, float] | None = None,
) -> float:
    """``value`` as a float, if a finite real number (not a bool) within bounds."""
    accepted = "a finite number"
    if bounds is not None:
        accepted += f" in [{bounds[0]:g}, {bounds[1]:g}]"
    refusal = f"{type(rule).__name__} {name} must be {accepted}, got {value!r}"
    if not isinstance(value, numbers.Real):
        raise TypeError(refusal)
    number = float(value)
    low, high = bounds if bounds is not None else (-math.inf, math.inf)
    if isinstance(value, bool) or not (math.isfinite(number) and low <= number <= high):
        raise ValueError(refusal)
    return number


def _set(rule: ParentRule, name: str, value: object) -> None:
    # The rules are frozen dataclasses; checked values replace what was given.
    object.__setattr__(rule, name, value)


@dataclass(frozen=True)
class HighestAccuracy(ParentRule):
    """The node with the highest test accuracy.

    Parameters
    ----------
    candidates : sequence of Node or int, optional
        Nodes to choose among; every trained node by default.
    """

    candidates: Sequence[Node | int] | None = None

    def __post_init__(self) -> None:
        _set(self, "candidates", _checked_candidates(self, self.candidates))

    def choose(self, journey: Journey) -> ParentChoice:
        """The most accurate candidate; ties go to the earliest created."""
        nodes = _candidates(journey, self.candidates)
        scored = [(n, n.accuracy) for n in nodes if n.accuracy is not None]
        best, next_best = _ranked(scored, "test accuracy")
        reason = (
            f"node {best.id} has the highest test accuracy, "
            f"{_figure(best.accuracy)} ({best.test.correct}/{best.test.n}), "
            f"among {len(scored)} node(s){next_best}"
        )
        return ParentChoice(best, reason)


@dataclass(frozen=True)
class HighestCaseAccuracy(ParentRule):
    """The node with the highest weighted accuracy on a case set.

    Each candidate is evaluated on ``case_set`` as it stands now (its model is
    loaded and predicts every case sample), so nodes trained before the case
    set existed, or with another one, are judged on the same samples.

    Parameters
    ----------
    case_set : CaseSet
        The samples and weights to judge by; their weights must not sum to 0.
    candidates : sequence of Node or int, optional
        Nodes to choose among; every trained node by default.
    """

    case_set: CaseSet
    candidates: Sequence[Node | int] | None = None

    def __post_init__(self) -> None:
        _check_case_set(self, self.case_set)
        _set(self, "candidates", _checked_candidates(self, self.candidates))

    def choose(self, journey: Journey) -> ParentChoice:
        """The candidate with the highest weighted case accuracy; ties: earliest."""
        if sum(sample.weight for sample in self.case_set) <= 0:
            raise ValueError(
                f"the case set's {len(self.case_set)} sample weights sum to 0, so "
                "no weighted accuracy exists; add samples or give them weight > 0"
            )
        nodes = _candidates(journey, self.candidates)
        results = {n.id: self.case_set.evaluate(journey, n) for n in nodes}
        scored = [(n, results[n.id].weighted_accuracy) for n in nodes]
        best, next_best = _ranked(scored, "weighted case accuracy")
        result = results[best.id]
        reason = (
            f"node {best.id} has the highest weighted accuracy on the case set "
            f"{self.case_set.identity[:8]} ({result.n} samples, Kish n "
            f"{result.effective_n:.1f}), {_figure(result.weighted_accuracy)}, among "
            f"{len(scored)} node(s){next_best}"
        )
        return ParentChoice(best, reason)


@dataclass(frozen=True)
class HighestAccuracyAboveWeight(ParentRule):
    """The node most accurate on the case samples weighing more than a threshold.

    Candidates are evaluated on ``case_set`` as it stands now, as
    ``HighestCaseAccuracy`` does; every sample above the threshold counts once.

    Parameters
    ----------
    case_set : CaseSet
        The samples to judge by.
    threshold : float
        Samples whose weight exceeds this count.
    candidates : sequence of Node or int, optional
        Nodes to choose among; every trained node by default.
    """

    case_set: CaseSet
    threshold: float = 1.0
    candidates: Sequence[Node | int] | None = None

    def __post_init__(self) -> None:
        _check_case_set(self, self.case_set)
        _set(self, "threshold", _number(self, "threshold", self.threshold))
        _set(self, "candidates", _checked_candidates(self, self.candidates))

    def choose(self, journey: Journey) -> ParentChoice:
        """The candidate most accurate on heavy case samples; ties: earliest."""
        heavy = sum(1 for sample in self.case_set if sample.weight > self.threshold)
        if heavy == 0:
            heaviest = max((s.weight for s in self.case_set), default=None)
            raise ValueError(
                f"no case sample weighs more than {self.threshold!r} (the heaviest "
                f"weighs {heaviest!r}); lower the threshold or raise some weights"
            )
        nodes = _candidates(journey, self.candidates)
        results = {
            n.id: self.case_set.evaluate(journey, n, self.threshold) for n in nodes
        }
        scored = [(n, results[n.id].above_threshold_accuracy) for n in nodes]
        best, next_best = _ranked(scored, "accuracy above the weight threshold")
        result = results[best.id]
        correct = round((result.above_threshold_accuracy or 0.0) * heavy)
        reason = (
            f"node {best.id} has the highest accuracy on the {heavy} case samples "
            f"weighing more than {self.threshold:g}, "
            f"{_figure(result.above_threshold_accuracy)} ({correct}/{heavy}), "
            f"among {len(scored)} node(s){next_best}"
        )
        return ParentChoice(best, reason)


@dataclass(frozen=True)
class EarliestCreated(ParentRule):
    """The earliest created among the given candidates.

    Parameters
    ----------
    candidates : sequence of Node or int
        The nodes to choose among; any kind, the start node included.
    """

    candidates: Sequence[Node | int]

    def __post_init__(self) -> None:
        if self.candidates is None:
            raise TypeError(
                "EarliestCreated needs candidates, the nodes or node ids to choose "
                "among, such as EarliestCreated([2, 5]); got None"
            )
        _set(self, "candidates", _checked_candidates(self, self.candidates))

    def choose(self, journey: Journey) -> ParentChoice:
        """The candidate created first (the lower id on an equal time)."""
        nodes = _candidates(journey, self.candidates)
        first = min(nodes, key=_age)
        reason = (
            f"node {first.id} was created first among nodes "
            f"{sorted(n.id for n in nodes)}, at {first.created_at:%Y-%m-%d %H:%M:%S}"
        )
        return ParentChoice(first, reason)


@dataclass(frozen=True)
class StartNodeIfPoor(ParentRule):
    """The start node when training has gone badly, else another rule's choice.

    Training has gone badly when every trained node's test accuracy is under
    ``all_below``, or their mean is under ``mean_below``; then retraining
    starts over from the untrained start node. Both thresholds are yours to
    set: what counts as bad depends on the task (chance on ten digits is 0.1).

    Parameters
    ----------
    all_below : float
        Go back when no trained node reaches this accuracy; in [0, 1].
    mean_below : float
        Go back when the trained nodes' mean accuracy is under this; in [0, 1].
    otherwise : ParentRule
        The rule that chooses when training has not gone badly;
        ``HighestAccuracy()`` by default.
    """

    all_below: float
    mean_below: float
    otherwise: ParentRule = HighestAccuracy()

    def __post_init__(self) -> None:
        for name in ("all_below", "mean_below"):
            _set(self, name, _number(self, name, getattr(self, name), (0.0, 1.0)))
        if not isinstance(self.otherwise, ParentRule):
            raise TypeError(
                "StartNodeIfPoor otherwise must be a ParentRule such as "
                f"HighestAccuracy(), got {self.otherwise!r}"
            )

    def choose(self, journey: Journey) -> ParentChoice:
        """The start node, or what ``otherwise`` picks, with the figures."""
        start = journey.start_node
        accuracies = [
            n.accuracy
            for n in journey.nodes()
            if n.kind == "trained" and n.accuracy is not None
        ]
        if not accuracies:
            return ParentChoice(start, f"no trained node yet: start node {start.id}")
        best = max(accuracies)
        mean = sum(accuracies) / len(accuracies)
        count = len(accuracies)
        if best < self.all_below:
            return ParentChoice(
                start,
                f"all {count} trained nodes are under {self.all_below:g} (the best is "
                f"{_figure(best)}): back to start node {start.id}",
            )
        if mean < self.mean_below:
            return ParentChoice(
                start,
                f"the mean accuracy of {count} trained nodes, {_figure(mean)}, is "
                f"under {self.mean_below:g}: back to start node {start.id}",
            )
        node, reason = self.otherwise.choose(journey)
        return ParentChoice(
            node,
            f"the best of {count} trained nodes reaches {_figure(best)} >= "
            f"{self.all_below:g} and their mean {_figure(mean)} >= "
            f"{self.mean_below:g}, so: {reason}",
        )


def _candidates(journey: Journey, given: Sequence[Node | int] | None) -> list[Node]:
    if given is None:
        nodes = [n for n in journey.nodes() if n.kind == "trained"]
        if not nodes:
            raise LookupError(
                "the journey has no trained node to choose from; train first, or "
                "pass candidates=[journey.start_node]"
            )
        return nodes
    nodes = [journey.node(n.id if isinstance(n, Node) else n) for n in given]
    return list({n.id: n for n in nodes}.values())


def _age(node: Node) -> tuple[object, int]:
    return (node.created_at, node.id)


def _ranked(
    scored: Sequence[tuple[Node, float | None]], figure: str
) -> tuple[Node, str]:
    """The best node, and a clause naming the runner-up and any tie."""
    ranked = sorted(
        ((node, value) for node, value in scored if value is not None),
        key=lambda item: (-item[1], _age(item[0])),
    )
    if not ranked:
        raise ValueError(f"no candidate node has a {figure}")
    if len(ranked) == 1:
        return ranked[0][0], ""
    (best, best_value), (runner_up, value) = ranked[:2]
    tie = ", a tie broken by creation time" if value == best_value else ""
    return best, f"; next is node {runner_up.id} at {_figure(value)}{tie}"


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"
