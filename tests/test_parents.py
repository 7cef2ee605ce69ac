"""Parent rules: each choice, its reason, and how ties are broken.

Rules that only read node info run on journeys built by hand from ``Node``
records; the case-set rules evaluate real nodes of a small digits journey.
"""

import math
import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from jupyter_journey import EveryNIterations, TensorEncoder
from jupyter_journey.cases import CaseSet
from jupyter_journey.node import Node, Position, TestResult
from jupyter_journey.parents import (
    EarliestCreated,
    HighestAccuracy,
    HighestAccuracyAboveWeight,
    HighestCaseAccuracy,
    ParentChoice,
    StartNodeIfPoor,
    choose_parent,
)

# These tests take test samples into case sets on purpose, as the method does.
pytestmark = pytest.mark.filterwarnings("ignore::jupyter_journey.cases.LeakageWarning")

EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


def make_node(node_id, correct, *, kind="trained", seconds=None, n=200):
    return Node(
        id=node_id,
        parent_id=None if kind == "start" else 1,
        kind=kind,
        created_at=EPOCH + timedelta(seconds=node_id if seconds is None else seconds),
        position=Position(),
        dataset_id="data",
        case_set_id=None,
        strategy={},
        stop={},
        test=TestResult(
            n=n,
            correct=correct,
            accuracy=correct / n,
            interval=None,
            per_class=[],
            per_class_n=[],
            confusion=[],
        ),
    )


class HandMadeJourney:
    """What node-info rules read of a journey, over nodes made by hand."""

    def __init__(self, *nodes):
        self._nodes = {node.id: node for node in nodes}

    def nodes(self):
        return sorted(self._nodes.values(), key=lambda n: n.id)

    def node(self, node_id):
        return self._nodes[node_id]

    @property
    def start_node(self):
        return self.nodes()[0]


def journey_of(*correct_counts):
    """A start node (id 1, 10/200) and trained nodes 2, 3, ... with these counts."""
    trained = [make_node(i + 2, c) for i, c in enumerate(correct_counts)]
    return HandMadeJourney(make_node(1, 10, kind="start"), *trained)


def test_highest_accuracy_names_the_winner_and_the_runner_up():
    journey = journey_of(120, 180, 150)

    node, reason = choose_parent(journey, HighestAccuracy())

    assert node.id == 3
    assert reason == (
        "node 3 has the highest test accuracy, 0.9000 (180/200), among 3 node(s); "
        "next is node 4 at 0.7500"
    )


def test_highest_accuracy_skips_the_start_node_unless_named():
    journey = HandMadeJourney(make_node(1, 190, kind="start"), make_node(2, 100))

    assert choose_parent(journey, HighestAccuracy()).node.id == 2
    assert choose_parent(journey, HighestAccuracy(candidates=[1, 2])).node.id == 1


def test_equal_accuracy_goes_to_the_earliest_created():
    # Node 5 was saved before node 4 (clocks and ids can disagree on import).
    journey = HandMadeJourney(
        make_node(1, 0, kind="start"),
        make_node(4, 150, seconds=20),
        make_node(5, 150, seconds=10),
        make_node(6, 150, seconds=10),
    )

    node, reason = choose_parent(journey, HighestAccuracy())

    assert node.id == 5
    assert reason.endswith("next is node 6 at 0.7500, a tie broken by creation time")


def test_candidates_limit_the_choice():
    journey = journey_of(120, 180, 150)

    node, reason = choose_parent(journey, HighestAccuracy(candidates=[2, 4]))

    assert node.id == 4
    assert "among 2 node(s); next is node 2 at 0.6000" in reason


def test_a_journey_without_trained_nodes_has_no_highest_accuracy():
    with pytest.raises(LookupError, match="no trained node"):
        choose_parent(journey_of(), HighestAccuracy())


def test_earliest_created_among_candidates():
    journey = journey_of(120, 180, 150, 100)

    node, reason = choose_parent(journey, EarliestCreated([5, 3, 4]))

    assert node.id == 3
    assert reason == (
        "node 3 was created first among nodes [3, 4, 5], at 2025-01-01 00:00:03"
    )


def test_earliest_created_needs_candidates():
    with pytest.raises(ValueError, match="candidates is empty"):
        choose_parent(journey_of(120), EarliestCreated([]))


def test_start_node_when_every_node_is_under_the_threshold():
    journey = journey_of(60, 90, 70)

    node, reason = choose_parent(journey, StartNodeIfPoor(all_below=0.5, mean_below=0))

    assert node.id == 1
    assert reason == (
        "all 3 trained nodes are under 0.5 (the best is 0.4500): back to start node 1"
    )


def test_start_node_when_the_mean_is_under_the_threshold():
    # 0.90, 0.10, 0.20: the best passes 0.5, the mean 0.4 does not.
    journey = journey_of(180, 20, 40)

    node, reason = choose_parent(
        journey, StartNodeIfPoor(all_below=0.5, mean_below=0.5)
    )

    assert node.id == 1
    assert reason == (
        "the mean accuracy of 3 trained nodes, 0.4000, is under 0.5: "
        "back to start node 1"
    )


def test_no_going_back_when_training_went_well():
    journey = journey_of(180, 120, 150)

    node, reason = choose_parent(
        journey, StartNodeIfPoor(all_below=0.5, mean_below=0.5)
    )

    assert node.id == 2
    assert reason.startswith(
        "the best of 3 trained nodes reaches 0.9000 >= 0.5 and their mean "
        "0.7500 >= 0.5, so: node 2 has the highest test accuracy"
    )


def test_start_node_when_nothing_is_trained_yet():
    node, reason = choose_parent(journey_of(), StartNodeIfPoor(0.5, 0.3))

    assert node.id == 1
    assert reason == "no trained node yet: start node 1"


def test_a_function_is_a_rule():
    journey = journey_of(120, 180)

    choice = choose_parent(journey, lambda j: (j.node(2), "the first one trained"))

    assert choice == ParentChoice(journey.node(2), "the first one trained")


def test_a_rule_that_returns_something_else_is_refused():
    with pytest.raises(TypeError, match=r"must return \(Node, str\)"):
        choose_parent(journey_of(120), lambda j: (2, "node two"))
    with pytest.raises(TypeError, match="rule must be a ParentRule"):
        choose_parent(journey_of(120), "highest")


@pytest.fixture
def three_nodes(journey):
    """Three real nodes, and which test samples each got right."""
    nodes = journey.train(EveryNIterations(20), nodes=3).wait()
    truth = journey.data.tensors("test")[1]
    right = [(journey.test_predictions(n)[0] == truth).tolist() for n in nodes]
    return journey, nodes, right


def pick(right, pattern, count):
    """Test indices whose right/wrong under the three nodes match ``pattern``."""
    found = [i for i in range(len(right[0])) if tuple(r[i] for r in right) == pattern]
    assert len(found) >= count, f"need {count} samples right/wrong as {pattern}"
    return found[:count]


def test_highest_case_accuracy_weighs_the_samples(three_nodes):
    journey, nodes, right = three_nodes
    # One heavy sample only the first node gets right, three light ones only
    # the last gets right: by weight the first node wins 10/13 to 3/13,
    # though the last is the most accurate on the test split.
    heavy = pick(right, (True, False, False), 1)
    light = pick(right, (False, False, True), 3)
    cases = journey.case_set()
    cases.add_test_samples(journey, nodes[0], indices=heavy, weight=10.0)
    cases.add_test_samples(journey, nodes[0], indices=light, weight=1.0)

    node, reason = choose_parent(journey, HighestCaseAccuracy(cases))

    assert max(nodes, key=lambda n: n.accuracy) == nodes[2]
    assert node == nodes[0]
    assert f"0.7692, among 3 node(s); next is node {nodes[2].id} at 0.2308" in reason
    assert "(4 samples, Kish n 1.6)" in reason  # 13**2 / (100 + 3) = 1.64


def test_highest_accuracy_above_a_weight_counts_only_heavy_samples(three_nodes):
    journey, nodes, right = three_nodes
    heavy = pick(right, (False, False, True), 1)
    light = pick(right, (True, True, False), 3)
    cases = journey.case_set()
    cases.add_test_samples(journey, nodes[0], indices=heavy, weight=5.0)
    cases.add_test_samples(journey, nodes[0], indices=light, weight=2.0)

    node, reason = choose_parent(journey, HighestAccuracyAboveWeight(cases, 3.0))

    assert node == nodes[2]
    assert reason.startswith(
        f"node {nodes[2].id} has the highest accuracy on the 1 case samples "
        "weighing more than 3, 1.0000 (1/1), among 3 node(s)"
    )


def test_equal_case_accuracy_goes_to_the_earliest_created(three_nodes):
    journey, nodes, right = three_nodes
    cases = journey.case_set()
    cases.add_test_samples(
        journey, nodes[0], indices=pick(right, (True, True, True), 2), weight=4.0
    )

    weighted = choose_parent(journey, HighestCaseAccuracy(cases))
    heavy = choose_parent(journey, HighestAccuracyAboveWeight(cases, 1.0))
    later = choose_parent(
        journey, HighestCaseAccuracy(cases, candidates=[nodes[2], nodes[1]])
    )

    assert weighted.node == heavy.node == nodes[0]
    assert later.node == nodes[1]


def test_case_rules_refuse_a_case_set_they_cannot_judge_by(three_nodes, digits):
    journey, nodes, _ = three_nodes
    weightless = journey.case_set()
    weightless.add_test_samples(journey, nodes[0], indices=[0, 1], weight=0.0)

    with pytest.raises(ValueError, match="weights sum to 0"):
        choose_parent(journey, HighestCaseAccuracy(weightless))
    with pytest.raises(ValueError, match=r"weighs more than 1.0 \(the heaviest weighs"):
        choose_parent(journey, HighestAccuracyAboveWeight(weightless, 1.0))
    with pytest.raises(ValueError, match="weights sum to 0"):
        choose_parent(journey, HighestCaseAccuracy(CaseSet.for_data(digits)))


def test_training_from_a_rule_keeps_its_reason(three_nodes):
    journey, nodes, _ = three_nodes

    run = journey.train(EveryNIterations(20), nodes=1, parent=EarliestCreated(nodes))
    child = run.wait()[0]

    assert child.parent_id == nodes[0].id
    assert run.parent_reason.startswith(f"node {nodes[0].id} was created first")


def test_training_from_a_node_has_no_reason(three_nodes):
    journey, nodes, _ = three_nodes

    run = journey.train(EveryNIterations(20), nodes=1, parent=nodes[1])
    run.wait()

    assert run.parent_reason is None


def test_a_parent_that_is_neither_node_nor_rule_is_refused(journey):
    with pytest.raises(TypeError, match="a Node, a node id or a parent rule"):
        journey.train(EveryNIterations(20), nodes=1, parent="best")

    assert len(journey.nodes()) == 1


def small_case_set():
    return CaseSet(["a", "b"], TensorEncoder([2]))


@pytest.mark.parametrize("rule", [HighestCaseAccuracy, HighestAccuracyAboveWeight])
@pytest.mark.parametrize("case_set", [None, [], "cases.csv"])
def test_a_case_rule_refuses_what_is_not_a_case_set_when_made(rule, case_set):
    refusal = rf"^{rule.__name__} case_set must be a CaseSet, .* got "
    refusal += re.escape(repr(case_set))

    with pytest.raises(TypeError, match=refusal):
        rule(case_set)


@pytest.mark.parametrize(
    "make",
    [
        lambda c: HighestAccuracy(c),
        lambda c: HighestCaseAccuracy(small_case_set(), c),
        lambda c: HighestAccuracyAboveWeight(small_case_set(), 1.0, c),
        lambda c: EarliestCreated(c),
    ],
)
@pytest.mark.parametrize(
    ("candidates", "message"),
    [
        (5, r"must be a list of nodes or node ids, such as \[2, 5\], got 5"),
        ("23", r"must be a list of nodes or node ids, such as \[2, 5\], got '23'"),
        ([2, "3"], r"must be nodes or node ids \(int\); \['3'\] are neither"),
        ([True], r"must be nodes or node ids \(int\); \[True\] are neither"),
    ],
)
def test_candidates_of_the_wrong_kind_are_refused_when_made(make, candidates, message):
    with pytest.raises(TypeError, match=message):
        make(candidates)


def test_earliest_created_without_candidates_says_what_it_needs():
    with pytest.raises(TypeError, match=r"EarliestCreated needs candidates, .* None"):
        EarliestCreated(None)


def test_empty_candidates_are_refused_when_made():
    with pytest.raises(ValueError, match="HighestAccuracy candidates is empty"):
        HighestAccuracy([])


def test_candidates_are_kept_as_given_when_made():
    given = [3, np.int64(4)]
    rule = HighestAccuracy(given)
    given.append(5)

    node, _ = choose_parent(journey_of(120, 180, 150, 100), rule)

    assert rule.candidates == (3, 4)
    assert type(rule.candidates[1]) is int
    assert node.id == 3


@pytest.mark.parametrize(
    ("all_below", "mean_below", "error", "name"),
    [
        (math.nan, 0.5, ValueError, "all_below"),
        (0.5, math.nan, ValueError, "mean_below"),
        (math.inf, 0.5, ValueError, "all_below"),
        (1.5, 0.5, ValueError, "all_below"),
        (0.5, -0.1, ValueError, "mean_below"),
        (True, 0.5, ValueError, "all_below"),
        ("0.5", 0.5, TypeError, "all_below"),
        (0.5, None, TypeError, "mean_below"),
    ],
)
def test_start_node_if_poor_needs_thresholds_in_0_1(all_below, mean_below, error, name):
    value = all_below if name == "all_below" else mean_below
    refusal = rf"^StartNodeIfPoor {name} must be a finite number in \[0, 1\], got "

    with pytest.raises(error, match=refusal + re.escape(repr(value))):
        StartNodeIfPoor(all_below, mean_below)


def test_start_node_if_poor_needs_a_rule_otherwise():
    with pytest.raises(TypeError, match=r"otherwise must be a ParentRule.*'best'"):
        StartNodeIfPoor(0.2, 0.3, otherwise="best")


@pytest.mark.parametrize(
    ("threshold", "error"),
    [
        (math.nan, ValueError),
        (math.inf, ValueError),
        (True, ValueError),
        ("2", TypeError),
    ],
)
def test_a_weight_threshold_must_be_a_finite_number(threshold, error):
    refusal = r"^HighestAccuracyAboveWeight threshold must be a finite number, got "

    with pytest.raises(error, match=refusal + re.escape(repr(threshold))):
        HighestAccuracyAboveWeight(small_case_set(), threshold)
