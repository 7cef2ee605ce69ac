"""The widget at the comm level: what the kernel sends the page, and what it does
with what the page sends.

A recording comm stands in for the kernel's, so every message goes through
ipywidgets as it would in a notebook and is checked as JSON on the way out.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from typing import Any

import comm
import pytest
import torch
from comm.base_comm import BaseComm
from torch import nn

from jupyter_journey import (
    EveryNIterations,
    Journey,
    Node,
    NodeAdded,
    Position,
    RunEnded,
    RunProgress,
    RunStarted,
)
from jupyter_journey.widget import JourneyWidget
from jupyter_journey.widget import _widget as widget_module
from jupyter_journey.widget._run_trait import RunTracker

RUN_TIMEOUT_S = 60


class RecordingComm(BaseComm):
    """A comm that keeps, as JSON text, every message the kernel sends."""

    def __init__(self, **kwargs: Any) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()
        super().__init__(**kwargs)

    def publish_msg(
        self,
        msg_type: str,
        data: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        buffers: list[bytes] | None = None,
        **keys: Any,
    ) -> None:
        # What the kernel would put on the wire; NaN is not JSON.
        text = json.dumps(data or {}, allow_nan=False)
        with self.lock:
            self.sent.append((msg_type, json.loads(text)))

    def custom(self) -> list[dict[str, Any]]:
        """Custom messages sent to the page, in order."""
        with self.lock:
            return [
                data["content"]
                for kind, data in self.sent
                if kind == "comm_msg" and data.get("method") == "custom"
            ]

    def updates(self, trait: str) -> list[Any]:
        """Values of ``trait`` sent to the page, in order."""
        with self.lock:
            return [
                data["state"][trait]
                for kind, data in self.sent
                if kind == "comm_msg"
                and data.get("method") == "update"
                and trait in data.get("state", {})
            ]

    def from_page(self, data: dict[str, Any]) -> None:
        """Delivers a message from the page, as the kernel would."""
        self.handle_msg({"content": {"data": data}, "buffers": []})


@pytest.fixture
def widget(journey, monkeypatch):
    monkeypatch.setattr(comm, "create_comm", lambda **kwargs: RecordingComm(**kwargs))
    widget = JourneyWidget(journey)
    yield widget
    widget.close()


def page_sends(widget: JourneyWidget, content: dict[str, Any]) -> None:
    widget.comm.from_page({"method": "custom", "content": content})


def node_messages(widget: JourneyWidget) -> list[dict[str, Any]]:
    return [m for m in widget.comm.custom() if m["type"] == "node"]


def test_each_new_node_is_one_small_message_whatever_the_tree_size(widget, journey):
    journey.train(EveryNIterations(5), nodes=1).wait(RUN_TIMEOUT_S)
    journey.train(EveryNIterations(5), nodes=8).wait(RUN_TIMEOUT_S)
    journey.train(EveryNIterations(5), nodes=1).wait(RUN_TIMEOUT_S)

    messages = node_messages(widget)
    sizes = [len(json.dumps(m)) for m in messages]
    assert [m["node"]["id"] for m in messages] == [n.id for n in journey.nodes()[1:]]
    assert [m["type"] for m in widget.comm.custom()] == ["node"] * 10
    assert Node.from_json(messages[-1]["node"]) == journey.nodes()[-1]
    # The tenth node goes out no bigger than the first; the tree grew tenfold.
    assert sizes[-1] <= sizes[0] + 64
    assert max(sizes) < 4000


def test_request_tree_answers_with_every_node_and_the_label_names(widget, journey):
    journey.train(EveryNIterations(5), nodes=3).wait(RUN_TIMEOUT_S)

    page_sends(widget, {"type": "request-tree"})

    (tree,) = [m for m in widget.comm.custom() if m["type"] == "tree"]
    assert tree["journey"] == {
        "name": journey.name,
        "folder": str(journey.folder),
        "label_names": [str(digit) for digit in range(10)],
    }
    assert [Node.from_json(node) for node in tree["nodes"]] == journey.nodes()
    assert [n["parent_id"] for n in tree["nodes"]] == [None, 1, 2, 3]


def test_stop_from_the_page_stops_the_active_run(widget, journey):
    run = journey.train(EveryNIterations(5), nodes=None)

    page_sends(widget, {"type": "stop"})
    nodes = run.wait(RUN_TIMEOUT_S)

    assert run.state == "stopped"
    assert journey.active_run is None
    states = [record["state"] for record in widget.comm.updates("run")]
    assert states[0] == "running"
    assert "stopping" in states
    assert states[-1] == "idle"
    assert widget.run["nodes_done"] == len(nodes)
    assert widget.run["message"].startswith("last run stopped")
    assert widget.error == ""


def test_nodes_count_as_they_arrive_when_no_progress_event_comes(journey, monkeypatch):
    # The widget hears the journey without its progress events, as with nodes
    # so quick that training never reports between them. A listener after the
    # widget's makes each node take longer than the page's update interval.
    monkeypatch.setattr(comm, "create_comm", lambda **kwargs: RecordingComm(**kwargs))
    subscribe = journey.subscribe
    monkeypatch.setattr(
        journey,
        "subscribe",
        lambda listener: subscribe(
            lambda event: None if isinstance(event, RunProgress) else listener(event)
        ),
    )
    widget = JourneyWidget(journey)
    journey.subscribe(
        lambda event: time.sleep(0.4) if isinstance(event, NodeAdded) else None
    )

    nodes = journey.train(EveryNIterations(3), nodes=4).wait(RUN_TIMEOUT_S)
    sent = widget.comm.updates("run")
    widget.close()

    running = [r for r in sent if r["state"] == "running"]
    counted = [(r["nodes_done"], r["iteration"]) for r in running]
    # Each count comes with the iteration of the node that made it.
    assert counted[0] == (0, None)
    assert counted[1:] == [(k, nodes[k - 1].iteration) for k in range(1, 5)]
    assert widget.run["state"] == "idle"
    assert widget.run["nodes_done"] == 4


def test_stop_with_no_run_changes_nothing_and_says_so(widget, journey):
    page_sends(widget, {"type": "stop"})

    assert widget.run["state"] == "idle"
    assert widget.run["message"] == "no run to stop"
    assert len(journey.nodes()) == 1
    assert widget.error == ""


def test_a_selection_made_in_the_page_reaches_python_and_back(widget, journey):
    journey.train(EveryNIterations(5), nodes=2).wait(RUN_TIMEOUT_S)

    widget.comm.from_page({"method": "update", "state": {"selected": 2}})
    from_page = widget.selected_node
    widget.selected = 3

    assert from_page == journey.node(2)
    assert widget.selected_node == journey.node(3)
    assert widget.comm.updates("selected") == [3]


def test_selecting_a_node_that_does_not_exist_names_the_known_ones(widget):
    with pytest.raises(Exception, match=r"cannot select node 7: .*\[1\]"):
        widget.selected = 7

    assert widget.selected is None
    assert widget.selected_node is None


def test_an_unknown_message_is_shown_and_logged(widget, caplog):
    with caplog.at_level(logging.ERROR, logger="jupyter_journey.widget"):
        page_sends(widget, {"type": "retrain"})

    assert "unknown message {'type': 'retrain'}" in widget.error
    assert widget.comm.updates("error") == [widget.error]
    assert "could not answer the page's retrain" in caplog.text


class BreaksInTraining(nn.Module):
    """Evaluates fine, fails on the first training batch."""

    def __init__(self, in_features: int, classes: int) -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            raise RuntimeError("this model cannot train")
        return self.linear(x.flatten(1))


def test_a_failed_run_shows_its_error(tmp_path, digits, monkeypatch):
    monkeypatch.setattr(comm, "create_comm", lambda **kwargs: RecordingComm(**kwargs))
    journey = Journey.create(
        tmp_path / "broken",
        digits,
        model=BreaksInTraining,
        hyperparameters={"in_features": 64, "classes": 10},
    )
    widget = JourneyWidget(journey)

    run = journey.train(EveryNIterations(5), nodes=2)
    with pytest.raises(RuntimeError, match="failed"):
        run.wait(RUN_TIMEOUT_S)
    widget.close()

    assert "this model cannot train" in widget.error
    assert widget.run["state"] == "idle"
    assert widget.run["message"] == "last run failed with 0 nodes"


def test_a_widget_made_during_a_run_shows_it_running(journey, monkeypatch):
    monkeypatch.setattr(comm, "create_comm", lambda **kwargs: RecordingComm(**kwargs))
    run = journey.train(EveryNIterations(5), nodes=None)
    try:
        widget = JourneyWidget(journey)
        state = dict(widget.run)
    finally:
        run.stop()
        run.wait(RUN_TIMEOUT_S)
    widget.close()

    assert state["state"] == "running"
    assert state["run_id"] == run.run_id


def test_a_closed_widget_hears_nothing_more(widget, journey, monkeypatch):
    widget.close()
    heard: list[dict[str, Any]] = []
    monkeypatch.setattr(
        JourneyWidget, "send", lambda self, content, buffers=None: heard.append(content)
    )

    journey.train(EveryNIterations(5), nodes=1).wait(RUN_TIMEOUT_S)

    assert heard == []
    assert widget.run["state"] == "idle"
    assert widget.error == ""


def test_a_missing_bundle_says_how_to_build_it(journey, monkeypatch):
    monkeypatch.setattr(JourneyWidget, "_esm", "")

    with pytest.raises(FileNotFoundError) as raised:
        JourneyWidget(journey)

    assert str(widget_module.ESM_PATH) in str(raised.value)
    assert "npm ci && npm run build" in str(raised.value)


def progress(run_id: str, iteration: int, loss: float | None = 0.5) -> RunProgress:
    return RunProgress(run_id, iteration, 0, iteration, 100, loss)


def test_progress_is_throttled_and_the_latest_always_arrives():
    published: list[dict[str, Any]] = []
    tracker = RunTracker(published.append, interval=0.2)

    for iteration in range(1, 101):
        tracker.progress(progress("r", iteration))
    burst = len(published)
    time.sleep(0.4)

    assert burst == 1
    assert [record["iteration"] for record in published] == [1, 100]
    assert published[-1]["state"] == "running"


def test_a_run_end_goes_out_at_once_and_cancels_pending_progress():
    published: list[dict[str, Any]] = []
    tracker = RunTracker(published.append, interval=0.2)

    tracker.progress(progress("r", 1))
    tracker.progress(progress("r", 2, loss=float("nan")))
    tracker.ended(RunEnded("r", "completed", 3))
    time.sleep(0.4)

    assert [record["state"] for record in published] == ["running", "idle"]
    assert published[-1]["iteration"] == 2
    assert published[-1]["message"] == "last run completed with 3 nodes"


def test_progress_from_a_run_that_already_ended_is_ignored():
    published: list[dict[str, Any]] = []
    tracker = RunTracker(published.append, interval=0.0)
    tracker.ended(RunEnded("r", "stopped", 1))

    tracker.progress(progress("r", 9))

    assert [record["state"] for record in published] == ["idle"]
    assert tracker.record["iteration"] is None


def run_node(node: Node, node_id: int, run_id: str | None, iteration: int) -> NodeAdded:
    return NodeAdded(
        dataclasses.replace(
            node, id=node_id, run_id=run_id, position=Position(iteration=iteration)
        )
    )


def test_nodes_of_the_active_run_count_once_and_others_not_at_all(journey):
    published: list[dict[str, Any]] = []
    tracker = RunTracker(published.append, interval=0.0)
    start = journey.start_node
    tracker.started(RunStarted("r", 1, None))

    tracker.node_added(run_node(start, 2, "r", 10))
    tracker.node_added(run_node(start, 2, "r", 10))
    tracker.node_added(run_node(start, 3, "other", 99))
    tracker.node_added(run_node(start, 4, None, 99))
    tracker.node_added(run_node(start, 5, "r", 20))
    # A progress event that lags behind the nodes does not lower the count.
    tracker.progress(RunProgress("r", 21, 0, 1, 10, 0.5))

    assert [(r["nodes_done"], r["iteration"]) for r in published] == [
        (0, None),
        (1, 10),
        (1, 10),
        (2, 20),
        (2, 21),
    ]


def test_nodes_after_the_run_ended_change_nothing(journey):
    published: list[dict[str, Any]] = []
    tracker = RunTracker(published.append, interval=0.0)
    tracker.started(RunStarted("r", 1, 2))
    tracker.ended(RunEnded("r", "completed", 2))

    tracker.node_added(run_node(journey.start_node, 2, "r", 10))

    assert [r["state"] for r in published] == ["running", "idle"]
    assert tracker.record["nodes_done"] == 2
