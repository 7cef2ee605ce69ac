"""Comparing two nodes on the paired test results."""

import json
import math

import pytest

from jupyter_journey import EveryNIterations, Journey
from jupyter_journey.compare import compare_nodes


@pytest.fixture
def two_nodes(journey):
    return journey, journey.train(EveryNIterations(15), nodes=2).wait()


def exact_mcnemar(fixed, broken):
    """Two-sided exact McNemar by its definition: twice the smaller binomial tail."""
    n = fixed + broken
    tail = sum(math.comb(n, k) for k in range(min(fixed, broken) + 1)) / 2**n
    return min(1.0, 2 * tail)


def test_fixed_and_broken_are_the_test_samples_that_changed(two_nodes):
    journey, (before, after) = two_nodes
    truth = journey.data.tensors("test")[1].tolist()
    old = journey.test_predictions(before)[0].tolist()
    new = journey.test_predictions(after)[0].tolist()
    fixed = [i for i, t in enumerate(truth) if old[i] != t and new[i] == t]
    broken = [i for i, t in enumerate(truth) if old[i] == t and new[i] != t]

    comparison = journey.compare(before, after)

    assert comparison.fixed == fixed
    assert comparison.broken == broken
    assert fixed
    assert comparison.mcnemar_p == pytest.approx(exact_mcnemar(len(fixed), len(broken)))
    assert comparison.difference == pytest.approx((len(fixed) - len(broken)) / 360)
    assert comparison.difference == pytest.approx(after.accuracy - before.accuracy)


def test_per_class_differences_follow_label_order(two_nodes):
    journey, (before, after) = two_nodes

    comparison = compare_nodes(journey, before.id, after.id)

    assert [c.label for c in comparison.per_class] == list(journey.label_names)
    for k, change in enumerate(comparison.per_class):
        assert change.n == before.test.per_class_n[k]
        assert change.before == before.test.per_class[k]
        assert change.after == after.test.per_class[k]
        assert change.difference == pytest.approx(change.after - change.before)


def test_reversing_the_order_swaps_fixed_and_broken(two_nodes):
    journey, (before, after) = two_nodes

    forward = journey.compare(before, after)
    backward = journey.compare(after, before)

    assert backward.fixed == forward.broken
    assert backward.broken == forward.fixed
    assert backward.mcnemar_p == forward.mcnemar_p


def test_a_node_compared_with_itself_changes_nothing(two_nodes):
    journey, (node, _) = two_nodes

    comparison = journey.compare(node, node)

    assert comparison.fixed == comparison.broken == []
    assert comparison.mcnemar_p == 1.0
    assert comparison.difference == 0.0
    assert all(c.difference == 0.0 for c in comparison.per_class)


def test_a_comparison_is_json(two_nodes):
    journey, (before, after) = two_nodes

    data = json.loads(json.dumps(journey.compare(before, after).to_json()))

    assert data["before_id"] == before.id
    assert data["per_class"][0]["label"] == "0"


def test_an_unknown_node_is_refused(journey):
    with pytest.raises(KeyError, match="no node 99"):
        journey.compare(journey.start_node, 99)


def test_comparing_needs_no_data_loaded(two_nodes, monkeypatch):
    journey, (before, after) = two_nodes
    expected = journey.compare(before, after)
    reopened = Journey.open(journey.folder)

    def no_data(source):
        raise LookupError("the data is gone")

    monkeypatch.setattr("jupyter_journey.journey.load_from_source", no_data)

    assert reopened.compare(before, after) == expected
    assert reopened.test_labels().tolist() == journey.data.tensors("test")[1].tolist()
