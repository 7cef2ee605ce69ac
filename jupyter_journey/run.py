"""A training run in a worker thread, handing out nodes as they are saved.

``Journey.train`` returns a ``TrainingRun`` at once. Iterate over it to get
each node as soon as it exists (the loop waits for the next one), pass
``on_node`` to be called with each, or call ``wait()`` for all of them.
Training off the kernel's main thread keeps the notebook free: other cells
run and the widget updates while the run goes on.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Literal

from .events import EventHub, NodeAdded, RunEnded, RunStarted
from .node import Node
from .training import Trainer

logger = logging.getLogger(__name__)

RunState = Literal["running", "stopping", "completed", "stopped", "failed"]


# Runs still training, stopped cleanly when the interpreter exits (see below).
_training: weakref.WeakSet[TrainingRun] = weakref.WeakSet()
EXIT_WAIT = 60.0  # seconds to let each run save its last node at exit


class TrainingRun:
    """Nodes from one training run, made in a background thread.

    Attributes
    ----------
    run_id : str
        Recorded in every node the run makes.
    nodes : list of Node
        The nodes made so far, in order.
    state : {"running", "stopping", "completed", "stopped", "failed"}
        Where the run stands.
    error : BaseException or None
        What made the run fail.
    parent_reason : str or None
        Why a parent rule chose the node the run started from; None when the
        parent was given directly.
    """

    def __init__(
        self,
        trainer: Trainer,
        nodes_target: int | None,
        hub: EventHub,
        on_node: Callable[[Node], None] | None = None,
        on_end: Callable[[TrainingRun], None] | None = None,
        parent_reason: str | None = None,
    ) -> None:
        self.run_id = trainer.run_id
        self.nodes: list[Node] = []
        self.state: RunState = "running"
        self.error: BaseException | None = None
        self.parent_reason = parent_reason
        self._trainer = trainer
        self._target = nodes_target
        self._hub = hub
        self._on_node = on_node
        self._on_end = on_end
        self._stop_requested = threading.Event()
        self._changed = threading.Condition()
        self._thread = threading.Thread(
            target=self._work, name=f"journey-run-{self.run_id[:8]}", daemon=True
        )

    def start(self) -> TrainingRun:
        """Begin training in the background; returns at once."""
        parent = self._trainer.parent.id
        self._hub.publish(
            RunStarted(self.run_id, parent, self._target, self.parent_reason)
        )
        _training.add(self)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the run to end; it saves a node where it stands, then ends.

        Returns at once; ``wait()`` returns when the run has ended.
        """
        if self.state == "running":
            self.state = "stopping"
        self._stop_requested.set()

    @property
    def done(self) -> bool:
        """Whether the run has ended, in any way."""
        return self.state in ("completed", "stopped", "failed")

    def wait(self, timeout: float | None = None) -> list[Node]:
        """Block until the run ends; return its nodes or raise what failed it.

        Interrupting the wait (Ctrl-C, or the notebook's interrupt) stops the
        run, as interrupting a training loop would.
        """
        # Wait on the run's own condition, not on Thread.join: a join that
        # Ctrl-C interrupts can return later while the thread still runs
        # (CPython 3.11), and the process then aborts in torch's thread pool
        # as it exits.
        with self._stop_on_interrupt(), self._changed:
            ended = self._changed.wait_for(lambda: self.done, timeout)
        if not ended:
            raise TimeoutError(f"run {self.run_id} still training after {timeout} s")
        self._thread.join()  # the run has ended; its thread is finishing
        if self.error is not None:
            raise RuntimeError(f"training run {self.run_id} failed") from self.error
        return list(self.nodes)

    def __iter__(self) -> Iterator[Node]:
        """Each node as soon as it is saved; ends with the run.

        Interrupting the loop while it waits for a node stops the run.
        """
        for index in itertools.count():
            with self._changed, self._stop_on_interrupt():
                self._changed.wait_for(partial(self._has_node_or_ended, index))
                if len(self.nodes) <= index:
                    break
                node = self.nodes[index]
            yield node
        if self.error is not None:
            raise RuntimeError(f"training run {self.run_id} failed") from self.error

    @contextmanager
    def _stop_on_interrupt(self) -> Iterator[None]:
        try:
            yield
        except KeyboardInterrupt:
            self.stop()
            raise

    def _has_node_or_ended(self, index: int) -> bool:
        return len(self.nodes) > index or self.done

    def _work(self) -> None:
        try:
            for node in self._trainer.run(self._target, self._stop_requested.is_set):
                with self._changed:
                    self.nodes.append(node)
                    self._changed.notify_all()
                self._hub.publish(NodeAdded(node))
                if self._on_node is not None:
                    self._on_node(node)
        except BaseException as error:
            logger.exception("training run %s failed", self.run_id)
            self.error = error
        self._finish()

    def _finish(self) -> None:
        final: Literal["completed", "stopped", "failed"]
        if self.error is not None:
            final = "failed"
        elif self._stop_requested.is_set():
            final = "stopped"
        else:
            final = "completed"
        with self._changed:
            self.state = final
            self._changed.notify_all()
        _training.discard(self)
        if self._on_end is not None:
            self._on_end(self)
        error = f"{type(self.error).__name__}: {self.error}" if self.error else None
        self._hub.publish(RunEnded(self.run_id, final, len(self.nodes), error))

    def __repr__(self) -> str:
        target = "∞" if self._target is None else self._target
        made = f"{len(self.nodes)}/{target} nodes"
        return f"<TrainingRun {self.run_id[:8]} {self.state}, {made}>"


@atexit.register
def _stop_at_exit() -> None:
    """Stop every run still training and let it save where it stands.

    A script may end while a run trains in the background. Without this the
    interpreter tears down under the worker thread, the work since the last
    node is lost, and torch's thread pool aborts the process on its way out.
    """
    runs = list(_training)
    for run in runs:
        run.stop()
    for run in runs:
        try:
            run.wait(EXIT_WAIT)
        except Exception:
            logger.exception("run %s did not end cleanly at exit", run.run_id)
