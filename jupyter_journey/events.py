"""What a journey tells its listeners: nodes added, runs started, progressing, ended.

Listeners are called on the thread that caused the event, which for training
is the run's worker thread; a listener must be quick and thread-safe. A
listener that raises is logged and kept, so a broken display never stops
training.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .node import Node

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NodeAdded:
    """A node was saved; it is readable from the store from now on."""

    node: Node


@dataclass(frozen=True)
class RunStarted:
    """A run began from ``parent_id``, aiming at ``nodes_target`` nodes.

    ``parent_reason`` says why a rule chose that parent, when one did.
    """

    run_id: str
    parent_id: int
    nodes_target: int | None
    parent_reason: str | None = None


@dataclass(frozen=True)
class RunProgress:
    """Training advanced; sent a few times a second at most.

    ``segment_done`` of ``segment_total`` counts towards the next node, where
    the stop condition can tell its total in advance (None where it cannot).
    """

    run_id: str
    iteration: int
    nodes_done: int
    segment_done: int
    segment_total: int | None
    loss: float | None


@dataclass(frozen=True)
class RunEnded:
    """A run ended: it made its nodes, was stopped, or failed with ``error``."""

    run_id: str
    reason: Literal["completed", "stopped", "failed"]
    nodes_done: int
    error: str | None = None


JourneyEvent = NodeAdded | RunStarted | RunProgress | RunEnded
Listener = Callable[[JourneyEvent], None]


class EventHub:
    """Fans journey events out to listeners, on the caller's thread."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every event from now on; returns an unsubscriber."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, event: JourneyEvent) -> None:
        """Send ``event`` to every listener; a listener's failure is logged only."""
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:
                logger.exception("journey listener %r failed on %r", listener, event)
