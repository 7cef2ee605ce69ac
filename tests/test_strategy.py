"""The learning strategy: every setting checked, numbers kept plain."""

import json
import math
from fractions import Fraction

import numpy as np
import pytest

from jupyter_journey import LearningStrategy


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("lr", "0.1"),
        ("lr", None),
        ("momentum", "0.9"),
        ("weight_decay", [0.1]),
        ("gamma", "0.5"),
        ("min_lr", None),
        ("batch_size", "32"),
        ("decay_steps", None),
        ("betas", 0.9),
        ("betas", "ab"),
        ("betas", (0.9, "0.999")),
    ],
)
def test_a_setting_that_is_not_a_number_is_a_type_error_naming_it(setting, value):
    with pytest.raises(TypeError, match=rf"^{setting}(\[1\])?=.* is not accepted"):
        LearningStrategy(**{setting: value})


@pytest.mark.parametrize(
    ("setting", "value", "accepted"),
    [
        ("lr", True, r"a finite number > 0, not a bool"),
        ("lr", 0, r"a finite number > 0"),
        ("lr", math.inf, r"a finite number > 0"),
        ("lr", math.nan, r"a finite number > 0"),
        ("momentum", 1.0, r"a number in \[0, 1\)"),
        ("momentum", -0.1, r"a number in \[0, 1\)"),
        ("weight_decay", math.inf, r"a finite number >= 0"),
        ("weight_decay", -1e-4, r"a finite number >= 0"),
        ("gamma", 0, r"a number in \(0, 1\]"),
        ("gamma", math.nan, r"a number in \(0, 1\]"),
        ("min_lr", 0.01, r"a number in \[0, lr=0.001\]"),
        ("batch_size", 0, r"a whole number >= 1"),
        ("batch_size", 32.0, r"a whole number >= 1"),
        ("batch_size", False, r"a whole number >= 1, not a bool"),
        ("decay_steps", 2.5, r"a whole number >= 1"),
        ("decay_steps", True, r"a whole number >= 1, not a bool"),
        ("betas", (0.9,), r"two numbers in \[0, 1\)"),
        ("betas", (0.9, 1.0), r"a number in \[0, 1\)"),
        ("betas", (True, 0.999), r"a number in \[0, 1\), not a bool"),
    ],
)
def test_a_number_out_of_range_is_a_value_error_saying_what_is_accepted(
    setting, value, accepted
):
    refusal = rf"^{setting}(\[\d\])?=.* is not accepted; it must be {accepted}"

    with pytest.raises(ValueError, match=refusal):
        LearningStrategy(**{setting: value})


def test_the_error_names_the_value_given():
    with pytest.raises(TypeError, match=r"^lr='0.1' is not accepted; .* not a str$"):
        LearningStrategy(lr="0.1")


def test_numpy_numbers_and_fractions_are_kept_as_plain_python_numbers():
    strategy = LearningStrategy(
        lr=np.float32(0.5),
        batch_size=np.int64(16),
        momentum=Fraction(1, 2),
        betas=np.array([0.8, 0.9]),
        decay_steps=np.int32(10),
    )

    data = strategy.to_json()

    assert (strategy.lr, strategy.momentum, strategy.betas) == (0.5, 0.5, (0.8, 0.9))
    assert type(strategy.lr) is float
    assert type(strategy.batch_size) is int
    assert type(strategy.decay_steps) is int
    assert json.loads(json.dumps(data)) == data
    assert LearningStrategy.from_json(data) == strategy


def test_an_int_learning_rate_is_a_float_after():
    strategy = LearningStrategy(optimizer="sgd", lr=1, weight_decay=0)

    assert type(strategy.lr) is float
    assert type(strategy.weight_decay) is float
    assert strategy.lr_at(5) == 1.0


def test_from_json_checks_the_settings_it_reads():
    data = {**LearningStrategy().to_json(), "betas": 0.9}

    with pytest.raises(TypeError, match=r"^betas=0.9 is not accepted"):
        LearningStrategy.from_json(data)


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="optimizer 'rmsprop' is not known"):
        LearningStrategy(optimizer="rmsprop")
    with pytest.raises(ValueError, match="unknown learning strategy settings"):
        LearningStrategy.from_json({"learning_rate": 0.1})
