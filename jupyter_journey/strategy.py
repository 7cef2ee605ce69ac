"""The learning strategy: optimizer, learning rate over steps, batch size.

The learning rate is a pure function of the step counted from when the
strategy came into force, so a node needs no scheduler object to resume: its
position says which step comes next.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
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
        _require(self.lr > 0 and math.isfinite(self.lr), "lr", self.lr, "> 0")
        _require(
            isinstance(self.batch_size, int) and self.batch_size >= 1,
            "batch_size",
            self.batch_size,
            "a whole number >= 1",
        )
        _require(0 <= self.momentum < 1, "momentum", self.momentum, "in [0, 1)")
        _require(self.weight_decay >= 0, "weight_decay", self.weight_decay, ">= 0")
        _require(
            len(self.betas) == 2 and all(0 <= b < 1 for b in self.betas),
            "betas",
            self.betas,
            "two numbers in [0, 1)",
        )
        _require(0 < self.gamma <= 1, "gamma", self.gamma, "in (0, 1]")
        _require(self.decay_steps >= 1, "decay_steps", self.decay_steps, ">= 1")
        _require(0 <= self.min_lr <= self.lr, "min_lr", self.min_lr, "in [0, lr]")
        object.__setattr__(self, "betas", tuple(float(b) for b in self.betas))

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
        values = dict(data)
        if "betas" in values:
            values["betas"] = tuple(values["betas"])
        return cls(**values)


def _require(ok: bool, name: str, value: object, accepted: str) -> None:
    if not ok:
        raise ValueError(f"{name}={value!r} is not accepted; it must be {accepted}")
