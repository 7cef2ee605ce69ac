"""Test data of a node: accuracy, Wilson interval, per-class accuracy, confusion."""

import math

import pytest

from jupyter_journey.metrics import (
    case_result,
    held_out_accuracy,
    kish_effective_n,
    mcnemar_exact,
    score_predictions,
    wilson_interval,
)


def wilson_by_hand(correct: float, n: float, z: float = 1.959963984540054):
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_wilson_interval_at_zero_of_n_starts_at_zero():
    low, high = wilson_interval(0, 20)

    assert low == pytest.approx(0.0, abs=1e-12)
    # z^2 / (n + z^2) for n = 20
    assert high == pytest.approx(3.8414588 / (20 + 3.8414588), rel=1e-6)


def test_wilson_interval_at_n_of_n_ends_at_one():
    low, high = wilson_interval(20, 20)

    assert low == pytest.approx(20 / (20 + 3.8414588), rel=1e-6)
    assert high == pytest.approx(1.0, abs=1e-12)


def test_wilson_interval_matches_the_formula_in_the_middle():
    assert wilson_interval(331, 360) == pytest.approx(wilson_by_hand(331, 360))


def test_wilson_interval_accepts_a_fractional_effective_n():
    assert wilson_interval(2.5, 3.2) == pytest.approx(wilson_by_hand(2.5, 3.2))


def test_wilson_interval_is_absent_without_samples():
    assert wilson_interval(0, 0) is None


def test_wilson_interval_refuses_more_correct_than_samples():
    with pytest.raises(ValueError, match="correct=5, n=4"):
        wilson_interval(5, 4)


def test_result_counts_and_confusion_in_label_order():
    truth = [0, 0, 1, 1, 2, 2]
    predicted = [0, 1, 1, 1, 2, 0]

    result = score_predictions(truth, predicted, num_classes=3)

    assert (result.n, result.correct) == (6, 4)
    assert result.accuracy == pytest.approx(4 / 6)
    assert result.confusion == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert result.per_class == [0.5, 1.0, 0.5]
    assert result.per_class_n == [2, 2, 2]
    assert result.interval == pytest.approx(wilson_by_hand(4, 6))


def test_result_keeps_a_class_missing_from_the_test_split():
    truth = [0, 0, 2]
    predicted = [0, 1, 2]

    result = score_predictions(truth, predicted, num_classes=4)

    assert result.confusion == [
        [1, 1, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 0],
    ]
    assert result.per_class == [0.5, None, 1.0, None]
    assert result.per_class_n == [2, 0, 1, 0]


def test_result_without_test_samples_has_no_accuracy():
    result = score_predictions([], [], num_classes=2)

    assert (result.n, result.accuracy, result.interval) == (0, None, None)
    assert result.confusion == [[0, 0], [0, 0]]


def test_kish_effective_n():
    assert kish_effective_n([1, 1, 1, 1]) == pytest.approx(4.0)
    assert kish_effective_n([3, 1]) == pytest.approx(16 / 10)
    assert kish_effective_n([0, 0]) == 0.0


def test_mcnemar_exact_on_discordant_pairs():
    # 1 sample only A gets right, 6 only B: p = 2 * P(X <= 1), X ~ Bin(7, 1/2)
    a = [True] * 1 + [False] * 6 + [True] * 5
    b = [False] * 1 + [True] * 6 + [True] * 5

    assert mcnemar_exact(a, b) == pytest.approx(2 * (1 + 7) / 2**7)


def test_mcnemar_exact_without_discordant_pairs_is_one():
    assert mcnemar_exact([True, False], [True, False]) == 1.0


def test_held_out_accuracy_leaves_out_the_excluded_samples():
    truth = [0, 1, 1, 0, 1]
    predicted = [0, 0, 1, 1, 1]

    assert held_out_accuracy(truth, predicted, [1, 3]) == (1.0, 3)
    assert held_out_accuracy(truth, predicted, []) == (pytest.approx(3 / 5), 5)
    assert held_out_accuracy(truth, predicted, range(5)) == (None, 0)


def test_case_results_hold_for_huge_finite_weights():
    huge = case_result([0, 1, 1], [0, 1, 0], [1e308, 1e308, 0.0], threshold=1.0)

    assert huge.weighted_accuracy == 1.0
    assert huge.effective_n == pytest.approx(2.0)
    assert huge.above_threshold_n == 2
