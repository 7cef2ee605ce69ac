"""The ``run`` trait: a journey's run events folded into one throttled record.

Progress events come from the training thread several times a second; the
page needs only a few updates a second, and never a stale last one. Starts and
ends go out at once, progress at most every ``interval`` seconds, and the
latest value always goes out in the end.

Nodes count towards the run as they are saved, not only as progress events
say: with nodes a tenth of a second apart, progress events can be rarer than
nodes, and the count would stand still while the tree grows.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

from ..events import NodeAdded, RunEnded, RunProgress, RunStarted
from ..run import TrainingRun

RunRecord = dict[str, Any]

DEFAULT_INTERVAL = 0.25  # seconds between progress updates sent to the page


def idle_run(message: str = "") -> RunRecord:
    """The record when nothing trains, with every field the page reads."""
    return {
        "state": "idle",
        "run_id": None,
        "parent_id": None,
        "iteration": None,
        "nodes_done": 0,
        "nodes_target": None,
        "segment_done": 0,
        "segment_total": None,
        "loss": None,
        "message": message,
    }


class RunTracker:
    """Keeps the ``run`` record and hands it to ``publish``, throttled.

    Parameters
    ----------
    publish : callable
        Receives each record to show; called on whichever thread triggers it
        (the caller's, or a timer's for a delayed progress update).
    interval : float
        Least time between two progress updates, in seconds.
    """

    def __init__(
        self,
        publish: Callable[[RunRecord], None],
        interval: float = DEFAULT_INTERVAL,
    ) -> None:
        self._publish = publish
        self._interval = interval
        # One lock around state and publishing, so records reach the page in
        # the order the events happened, whatever thread sent them.
        self._lock = threading.Lock()
        self._record = idle_run()
        self._last_sent = -math.inf
        self._timer: threading.Timer | None = None
        self._dirty = False
        # Ids of the active run's nodes seen so far: a node can reach the
        # tracker twice (in a run adopted mid-way and as its own event).
        self._run_nodes: set[int] = set()

    @property
    def record(self) -> RunRecord:
        """A copy of the latest record, sent or not."""
        with self._lock:
            return dict(self._record)

    def adopt(self, run: TrainingRun | None) -> None:
        """Take in a run that was already training when the tracker was made."""
        with self._lock:
            # Checked under the lock: a run that ends from here on reports its
            # end after this, and a run that has ended is left alone.
            if run is None or run.done or self._record["run_id"] == run.run_id:
                return
            nodes = list(run.nodes)
            self._run_nodes = {node.id for node in nodes}
            self._apply_locked(
                {
                    "state": "stopping" if run.state == "stopping" else "running",
                    "run_id": run.run_id,
                    "nodes_done": len(self._run_nodes),
                    "iteration": nodes[-1].position.iteration if nodes else None,
                },
                at_once=True,
            )

    def started(self, event: RunStarted) -> None:
        """A run began: a fresh record, sent at once."""
        record = idle_run()
        record.update(
            state="running",
            run_id=event.run_id,
            parent_id=event.parent_id,
            nodes_target=event.nodes_target,
        )
        with self._lock:
            self._run_nodes = set()
            self._apply_locked(record, at_once=True, replace=True)

    def progress(self, event: RunProgress) -> None:
        """Training advanced: sent when the interval allows."""
        loss = event.loss
        changes: RunRecord = {
            "run_id": event.run_id,
            "iteration": event.iteration,
            "segment_done": event.segment_done,
            "segment_total": event.segment_total,
            # JSON has no NaN or infinity; a diverged loss shows as missing.
            "loss": loss if loss is not None and math.isfinite(loss) else None,
        }
        with self._lock:
            # A progress event that overtakes its run's start still means a
            # run is on; one from an ended run changes nothing.
            if self._record["state"] == "idle":
                if self._record["run_id"] == event.run_id:
                    return
                changes["state"] = "running"
                self._run_nodes = set()
            # Never below the nodes already counted as they arrived.
            changes["nodes_done"] = max(event.nodes_done, len(self._run_nodes))
            self._apply_locked(changes, at_once=False)

    def node_added(self, event: NodeAdded) -> None:
        """A node was saved: one more for its run, sent when the interval allows."""
        node = event.node
        with self._lock:
            record = self._record
            # Only the active run's nodes count; a node of no run (the start
            # node) or of a run that has ended changes nothing.
            if (
                node.run_id is None
                or record["state"] == "idle"
                or record["run_id"] != node.run_id
            ):
                return
            self._run_nodes.add(node.id)
            iteration = record["iteration"]
            changes: RunRecord = {
                "nodes_done": max(record["nodes_done"] or 0, len(self._run_nodes)),
                "iteration": max(iteration or 0, node.position.iteration),
            }
            self._apply_locked(changes, at_once=False)

    def stopping(self, message: str = "stopping after the current node") -> None:
        """A stop was asked for; the run ends at its next node."""
        self._change({"state": "stopping", "message": message}, at_once=True)

    def ended(self, event: RunEnded) -> None:
        """A run ended: back to idle, saying how, sent at once."""
        plural = "" if event.nodes_done == 1 else "s"
        message = f"last run {event.reason} with {event.nodes_done} node{plural}"
        record = idle_run(message)
        with self._lock:
            if self._record["run_id"] == event.run_id:
                # Keep where the run came from and how far it got.
                for key in ("parent_id", "iteration", "nodes_target"):
                    record[key] = self._record[key]
        record.update(run_id=event.run_id, nodes_done=event.nodes_done)
        self._change(record, at_once=True, replace=True)

    def note(self, message: str) -> None:
        """Shows a short message with the run state, such as why nothing happened."""
        self._change({"message": message}, at_once=True)

    def close(self) -> None:
        """Cancels a pending delayed update."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._dirty = False

    def _change(
        self, changes: RunRecord, *, at_once: bool, replace: bool = False
    ) -> None:
        with self._lock:
            self._apply_locked(changes, at_once=at_once, replace=replace)

    def _apply_locked(
        self, changes: RunRecord, *, at_once: bool, replace: bool = False
    ) -> None:
        self._record = dict(changes) if replace else {**self._record, **changes}
        self._dirty = True
        wait = self._last_sent + self._interval - time.monotonic()
        if at_once or wait <= 0:
            self._send_locked()
        elif self._timer is None:
            self._timer = threading.Timer(wait, self._send_delayed)
            self._timer.daemon = True
            self._timer.start()

    def _send_delayed(self) -> None:
        with self._lock:
            self._timer = None
            if self._dirty:
                self._send_locked()

    def _send_locked(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._dirty = False
        self._last_sent = time.monotonic()
        self._publish(dict(self._record))
