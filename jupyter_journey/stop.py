"""Stop conditions: when training pauses to evaluate and save a node.

A condition looks at the progress made since the last node and says whether
the next node is due. It is checked after every iteration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class SegmentProgress:
    """Progress since the last node: what a stop condition decides on."""

    iterations: int = 0
    epochs: int = 0
    seconds: float = 0.0
    samples: int = 0


@runtime_checkable
class StopCondition(Protocol):
    """Decides when the next node is cut."""

    def reached(self, progress: SegmentProgress) -> bool:
        """Whether a node is due after ``progress``."""
        ...

    def total_iterations(self) -> int | None:
        """Iterations per node, where known in advance (for progress bars)."""
        ...

    def to_json(self) -> dict[str, Any]:
        """The condition as JSON, recorded in every node it cuts."""
        ...


def _whole_number(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    return value


@dataclass(frozen=True)
class EveryNIterations:
    """A node every ``n`` optimizer iterations."""

    n: int

    def __post_init__(self) -> None:
        _whole_number("EveryNIterations n", self.n)

    def reached(self, progress: SegmentProgress) -> bool:
        return progress.iterations >= self.n

    def total_iterations(self) -> int | None:
        return self.n

    def to_json(self) -> dict[str, Any]:
        return {"kind": "iterations", "n": self.n}


@dataclass(frozen=True)
class EveryNEpochs:
    """A node every ``n`` passes over the training data."""

    n: int

    def __post_init__(self) -> None:
        _whole_number("EveryNEpochs n", self.n)

    def reached(self, progress: SegmentProgress) -> bool:
        return progress.epochs >= self.n

    def total_iterations(self) -> int | None:
        return None

    def to_json(self) -> dict[str, Any]:
        return {"kind": "epochs", "n": self.n}


@dataclass(frozen=True)
class TimeBudget:
    """A node every ``seconds`` of wall time spent training."""

    seconds: float

    def __post_init__(self) -> None:
        if not (isinstance(self.seconds, int | float) and math.isfinite(self.seconds)):
            raise ValueError(f"TimeBudget seconds must be finite, got {self.seconds!r}")
        if self.seconds <= 0:
            raise ValueError(f"TimeBudget seconds must be > 0, got {self.seconds!r}")

    def reached(self, progress: SegmentProgress) -> bool:
        return progress.seconds >= self.seconds

    def total_iterations(self) -> int | None:
        return None

    def to_json(self) -> dict[str, Any]:
        return {"kind": "seconds", "seconds": self.seconds}


def stop_condition_from_json(data: dict[str, Any]) -> StopCondition:
    """Rebuild a stop condition from its ``to_json`` form."""
    kinds: dict[str, Any] = {
        "iterations": lambda d: EveryNIterations(d["n"]),
        "epochs": lambda d: EveryNEpochs(d["n"]),
        "seconds": lambda d: TimeBudget(d["seconds"]),
    }
    kind = data.get("kind")
    if kind not in kinds:
        raise ValueError(
            f"stop condition kind {kind!r} is not known; use one of {sorted(kinds)}"
        )
    condition: StopCondition = kinds[kind](data)
    return condition
