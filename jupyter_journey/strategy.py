"""The learning strategy: optimizer, learning rate over steps, batch size.

The learning rate is a pure function of the step counted from when the
strategy came into force, so a node needs no scheduler object to resume: its
position says which step comes next.

Every setting is checked when a strategy is made. A setting that is not a
number at all (a str, None) is a ``TypeError``; a number that is not accepted
(a bool, a fraction where a whole number is due, infinity, NaN, or out of
range) is a ``ValueError``. Both name the setting, its value and what would be
accepted.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

import torch

Optimizer = Literal["sgd", "adam", "adamw"]
Decay = Literal["constant", "step", "exponential", "cosine"]

OPTIMIZERS: tuple[str, ...] = ("sgd", "adam", "adamw")
DECAYS: tuple[str, ...] = ("constant", "step", "exponential", "cosine")


@dataclass(frozen=True)
class LearningStrategy:
    """How the model learns: optimizer settings, learning-rate decay, batch size.

    Parameters
    ----------
    optimizer : {"sgd", "adam", "adamw"}
        The torch optimizer.
    lr : float
        Initial learning rate.
    batch_size : int
        Samples per iteration.
    momentum : float
        SGD momentum.
    weight_decay : float
        L2 penalty (decoupled for AdamW).
    betas : tuple of float
        Adam and AdamW moment decay rates.
    decay : {"constant", "step", "exponential", "cosine"}
        How the learning rate falls with the step ``s``: constant; times
        ``gamma`` every ``decay_steps``; times ``gamma ** (s / decay_steps)``;
        or a cosine from ``lr`` to ``min_lr`` over ``decay_steps``, then flat.
    gamma : float
        Factor of the step and exponential decays.
    decay_steps : int
        Period of the step decay, scale of the exponential one, length of the
        cosine.
    min_lr : float
        Floor of the cosine decay.
    """

    optimizer: Optimizer = "adam"
    lr: float = 1e-3
    batch_size: int = 32
    momentum: float = 0.0
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.9, 0.999)
    decay: Decay = "constant"
    gamma: float = 0.5
    decay_steps: int = 1000
    min_lr: float = 0.0

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(
                f"optimizer {self.optimizer!r} is not known; use one of {OPTIMIZERS}"
            )
        if self.decay not in DECAYS:
            raise ValueError(f"decay {self.decay!r} is not known; use one of {DECAYS}")
        lr = _number("lr", self.lr, "a finite number > 0", lambda x: x > 0)
        batch_size = _whole("batch_size", self.batch_size)
        momentum = _number(
            "momentum", self.momentum, "a number in [0, 1)", lambda x: 0 <= x < 1
        )
        weight_decay = _number(
            "weight_decay", self.weight_decay, "a finite number >= 0", lambda x: x >= 0
        )
        betas = _betas(self.betas)
        gamma = _number("gamma", self.gamma, "a number in (0, 1]", lambda x: 0 < x <= 1)
        decay_steps = _whole("decay_steps", self.decay_steps)
        min_lr = _number(
            "min_lr", self.min_lr, f"a number in [0, lr={lr!r}]", lambda x: 0 <= x <= lr
        )
        # Plain Python numbers, so that the strategy is JSON as it stands and
        # a NumPy scalar or a Fraction behaves like the float it stands for.
        checked = {
            "lr": lr,
            "batch_size": batch_size,
            "momentum": momentum,
            "weight_decay": weight_decay,
            "betas": betas,
            "gamma": gamma,
            "decay_steps": decay_steps,
            "min_lr": min_lr,
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    def lr_at(self, step: int) -> float:
        """Learning rate at ``step`` iterations after the strategy began."""
        if self.decay == "step":
            return self.lr * math.pow(self.gamma, step // self.decay_steps)
        if self.decay == "exponential":
            return self.lr * math.pow(self.gamma, step / self.decay_steps)
        if self.decay == "cosine":
            progress = min(step, self.decay_steps) / self.decay_steps
            cosine = 0.5 * (1 + math.cos(math.pi * progress))
            return self.min_lr + (self.lr - self.min_lr) * cosine
        return self.lr

    def build_optimizer(
        self, params: Iterable[torch.nn.Parameter]
    ) -> torch.optim.Optimizer:
        """A fresh torch optimizer with these settings."""
        if self.optimizer == "sgd":
            return torch.optim.SGD(
                params,
                lr=self.lr,
                momentum=self.momentum,
                weight_decay=self.weight_decay,
            )
        kind = torch.optim.Adam if self.optimizer == "adam" else torch.optim.AdamW
        return kind(
            params, lr=self.lr, betas=self.betas, weight_decay=self.weight_decay
        )

    def apply_to(self, optimizer: torch.optim.Optimizer) -> None:
        """Put these settings (not the learning rate) into a live optimizer."""
        for group in optimizer.param_groups:
            group["weight_decay"] = self.weight_decay
            if self.optimizer == "sgd":
                group["momentum"] = self.momentum
            else:
                group["betas"] = self.betas

    def to_json(self) -> dict[str, Any]:
        """The strategy as JSON-ready data."""
        data = asdict(self)
        data["betas"] = list(self.betas)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LearningStrategy:
        """Rebuild a strategy; unknown keys are an error naming the known ones."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(
                f"unknown learning strategy settings {sorted(unknown)}; "
                f"known: {sorted(known)}"
            )
        return cls(**data)


def _number(
    name: str, value: object, accepted: str, in_range: Callable[[float], bool]
) -> float:
    """``value`` as a float, if it is a finite real number that ``in_range`` takes."""
    if not isinstance(value, numbers.Real):
        raise TypeError(_refusal(name, value, accepted))
    number = float(value)
    if isinstance(value, bool) or not (math.isfinite(number) and in_range(number)):
        raise ValueError(_refusal(name, value, accepted))
    return number


def _whole(name: str, value: object) -> int:
    """``value`` as an int, if it is a whole number >= 1."""
    accepted = "a whole number >= 1"
    if not isinstance(value, numbers.Real):
        raise TypeError(_refusal(name, value, accepted))
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(_refusal(name, value, accepted))
    return int(value)


def _betas(value: object) -> tuple[float, float]:
    accepted = "two numbers in [0, 1), such as (0.9, 0.999)"
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise TypeError(_refusal("betas", value, accepted, wrong_type=True))
    betas = tuple(value)
    if len(betas) != 2:
        raise ValueError(_refusal("betas", value, accepted))
    first, second = (
        _number(f"betas[{i}]", beta, "a number in [0, 1)", lambda x: 0 <= x < 1)
        for i, beta in enumerate(betas)
    )
    return first, second


def _refusal(name: str, value: object, accepted: str, wrong_type: bool = False) -> str:
    message = f"{name}={value!r} is not accepted; it must be {accepted}"
    # A bool is a number to Python but never a setting we mean: say so.
    if wrong_type or isinstance(value, bool) or not isinstance(value, numbers.Real):
        message += f", not a {type(value).__name__}"
    return message
