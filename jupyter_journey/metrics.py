"""Test data of a node: accuracy, its interval, per-class accuracy, confusion, McNemar.

Pure functions of label arrays; scikit-learn and scipy do the statistics.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import binomtest, norm
from sklearn.metrics import confusion_matrix

from .node import CaseResult, TestResult

CONFIDENCE = 0.95


def wilson_interval(
    correct: float, n: float, confidence: float = CONFIDENCE
) -> tuple[float, float] | None:
    """Wilson score interval of a proportion ``correct / n``.

    ``n`` may be fractional (an effective sample size); then ``correct`` is
    ``proportion * n``. Returns None when ``n`` is zero, where no interval
    exists.
    """
    if n < 0 or correct < 0 or correct > n:
        raise ValueError(f"need 0 <= correct <= n, got correct={correct}, n={n}")
    if n == 0:
        return None
    if float(n).is_integer() and float(correct).is_integer():
        ci = binomtest(int(correct), int(n)).proportion_ci(confidence, method="wilson")
        return (float(ci.low), float(ci.high))
    # scipy's binomtest takes whole counts only; the Wilson formula itself holds
    # for the fractional counts of Kish's effective n.
    z = float(norm.ppf(0.5 + confidence / 2))
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (float(max(0.0, centre - half)), float(min(1.0, centre + half)))


def score_predictions(
    y_true: ArrayLike, y_pred: ArrayLike, num_classes: int
) -> TestResult:
    """Accuracy, Wilson interval, per-class accuracy and K×K confusion matrix.

    Classes are ``0 .. num_classes - 1`` in label order, whether or not each
    appears in ``y_true``; a class with no test sample has accuracy None.
    """
    truth = np.asarray(y_true, dtype=np.int64)
    predicted = np.asarray(y_pred, dtype=np.int64)
    if truth.shape != predicted.shape:
        raise ValueError(
            f"y_true and y_pred differ in shape: {truth.shape} vs {predicted.shape}"
        )
    labels = np.arange(num_classes)
    if truth.size:
        confusion = confusion_matrix(truth, predicted, labels=labels)
    else:  # scikit-learn refuses empty input; no samples is an all-zero matrix
        confusion = np.zeros((num_classes, num_classes), dtype=np.int64)
    per_class_n = confusion.sum(axis=1)
    per_class = [
        float(confusion[k, k] / per_class_n[k]) if per_class_n[k] else None
        for k in labels
    ]
    n = int(truth.size)
    correct = int((truth == predicted).sum())
    return TestResult(
        n=n,
        correct=correct,
        accuracy=correct / n if n else None,
        interval=wilson_interval(correct, n),
        per_class=per_class,
        per_class_n=[int(count) for count in per_class_n],
        confusion=confusion.astype(int).tolist(),
    )


def _scaled(weights: ArrayLike) -> np.ndarray:
    # Ratios of weights are all that count here; dividing by the largest keeps
    # sums of huge finite weights from overflowing to infinity.
    w = np.asarray(weights, dtype=np.float64)
    largest = w.max() if w.size else 0.0
    return w / largest if largest > 0 else w


def kish_effective_n(weights: ArrayLike) -> float:
    """Kish's effective sample size ``sum(w)**2 / sum(w**2)``; 0 for no weight."""
    w = _scaled(weights)
    total_sq = float((w * w).sum())
    return float(w.sum() ** 2 / total_sq) if total_sq > 0 else 0.0


def case_result(
    y_true: ArrayLike, y_pred: ArrayLike, weights: ArrayLike, threshold: float
) -> CaseResult:
    """Weighted accuracy on a case set and accuracy above a weight threshold."""
    truth = np.asarray(y_true, dtype=np.int64)
    hits = truth == np.asarray(y_pred, dtype=np.int64)
    w = _scaled(weights)
    total = float(w.sum())
    weighted = float(w[hits].sum() / total) if total > 0 else None
    effective_n = kish_effective_n(w)
    interval = (
        wilson_interval(weighted * effective_n, effective_n)
        if weighted is not None
        else None
    )
    heavy = np.asarray(weights, dtype=np.float64) > threshold
    heavy_n = int(heavy.sum())
    return CaseResult(
        n=int(truth.size),
        weighted_accuracy=weighted,
        effective_n=effective_n,
        interval=interval,
        threshold=float(threshold),
        above_threshold_accuracy=float(hits[heavy].mean()) if heavy_n else None,
        above_threshold_n=heavy_n,
    )


def held_out_accuracy(
    y_true: ArrayLike, y_pred: ArrayLike, excluded: ArrayLike
) -> tuple[float | None, int]:
    """Accuracy and n on the samples not at the ``excluded`` indices.

    For a node trained on some test samples, this is its test accuracy on the
    samples it has not seen.
    """
    truth = np.asarray(y_true, dtype=np.int64)
    keep = np.ones(truth.shape, dtype=bool)
    keep[np.asarray(excluded, dtype=np.int64)] = False
    hits = truth[keep] == np.asarray(y_pred, dtype=np.int64)[keep]
    n = int(keep.sum())
    return (float(hits.mean()) if n else None), n


def mcnemar_exact(correct_a: Sequence[bool], correct_b: Sequence[bool]) -> float:
    """Two-sided exact McNemar p-value for paired right/wrong results.

    Only the discordant pairs count: the samples one classifier gets right and
    the other wrong. With none, the two cannot be told apart and p is 1.
    """
    a = np.asarray(correct_a, dtype=bool)
    b = np.asarray(correct_b, dtype=bool)
    if a.shape != b.shape:
        raise ValueError(f"paired results differ in length: {a.size} vs {b.size}")
    only_a = int((a & ~b).sum())
    only_b = int((~a & b).sum())
    if only_a + only_b == 0:
        return 1.0
    return float(binomtest(only_a, only_a + only_b, 0.5).pvalue)
