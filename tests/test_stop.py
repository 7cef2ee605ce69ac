"""Stop conditions: arguments checked when made, JSON both ways."""

import math
import re

import numpy as np
import pytest

from jupyter_journey import EveryNEpochs, EveryNIterations, TimeBudget
from jupyter_journey.stop import SegmentProgress, stop_condition_from_json


@pytest.mark.parametrize("kind", [EveryNIterations, EveryNEpochs])
@pytest.mark.parametrize("n", ["5", None, [5]])
def test_a_count_that_is_not_a_number_is_a_type_error(kind, n):
    refusal = (
        rf"^{kind.__name__} n must be a whole number >= 1, got {re.escape(repr(n))}"
    )

    with pytest.raises(TypeError, match=refusal):
        kind(n)


@pytest.mark.parametrize("seconds", ["1", None])
def test_a_time_budget_that_is_not_a_number_is_a_type_error(seconds):
    refusal = rf"TimeBudget must be a finite number of seconds > 0, got {seconds!r}"

    with pytest.raises(TypeError, match=refusal):
        TimeBudget(seconds)


@pytest.mark.parametrize("seconds", [True, 0, -1.0, math.inf, math.nan])
def test_a_time_budget_must_be_finite_positive_and_not_a_bool(seconds):
    refusal = rf"TimeBudget must be a finite number of seconds > 0, got {seconds!r}"

    with pytest.raises(ValueError, match=refusal):
        TimeBudget(seconds)


def test_numpy_numbers_are_kept_as_plain_python_numbers():
    iterations = EveryNIterations(np.int64(5))
    budget = TimeBudget(np.float32(0.5))

    assert type(iterations.n) is int
    assert type(budget.seconds) is float
    assert iterations.to_json() == {"kind": "iterations", "n": 5}
    assert budget.reached(SegmentProgress(seconds=0.5))
    assert not budget.reached(SegmentProgress(seconds=0.49))


@pytest.mark.parametrize(
    "condition", [EveryNIterations(3), EveryNEpochs(2), TimeBudget(1.5)]
)
def test_a_condition_is_rebuilt_from_its_json(condition):
    assert stop_condition_from_json(condition.to_json()) == condition


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        ({"kind": "iterations"}, ValueError, r"'iterations' stop condition needs 'n'"),
        ({"kind": "minutes", "n": 1}, ValueError, r"kind 'minutes' is not known"),
        ({"kind": ["iterations"]}, ValueError, r"kind \['iterations'\] is not known"),
        ({"kind": "seconds", "seconds": "1"}, TypeError, r"got '1'"),
        ("iterations", TypeError, r"JSON is a dict .*, got 'iterations'"),
    ],
)
def test_bad_json_is_refused_naming_what_is_wrong(data, error, message):
    with pytest.raises(error, match=message):
        stop_condition_from_json(data)
