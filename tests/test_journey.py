"""The journey from Python: create, train in the background, stop, reopen, bad input."""

import threading

import numpy as np
import pytest
from datasets import ClassLabel, Dataset, Features, Value

from jupyter_journey import (
    EveryNIterations,
    Journey,
    LabelledData,
    NodeAdded,
    RunEnded,
    TimeBudget,
)
from jupyter_journey.stop import EveryNEpochs


def listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_create_saves_an_evaluated_start_node(journey, digits):
    (start,) = journey.nodes()

    assert start.kind == "start"
    assert start.parent_id is None
    assert start.iteration == 0
    assert start.dataset_id == digits.identity
    assert start.test.n == 360
    assert start.strategy["lr"] == 3e-3


def test_quickstart_settings_reach_097_on_held_out_digits(tmp_path, digits):
    journey = Journey.create(tmp_path / "quick", digits)

    nodes = journey.train(EveryNIterations(100), nodes=12).wait()

    assert max(n.accuracy for n in nodes) >= 0.97


def test_train_returns_at_once_and_yields_nodes_as_they_come(journey):
    seen = []
    release = threading.Event()

    def slow_listener(event):
        if isinstance(event, NodeAdded):
            seen.append(event.node.id)
            release.wait(timeout=30)

    journey.subscribe(slow_listener)
    run = journey.train(EveryNIterations(5), nodes=3)

    # The run is held at its first node by the listener: train() has returned,
    # and this thread is free to do other work meanwhile.
    assert not run.done
    release.set()
    iterated = [node.id for node in run]

    assert iterated == seen == [2, 3, 4]
    assert run.state == "completed"


def test_stop_ends_a_run_with_a_whole_node(journey):
    run = journey.train(EveryNIterations(10**9), nodes=None)
    first_progress = threading.Event()
    journey.subscribe(lambda event: first_progress.set())

    first_progress.wait(timeout=30)
    run.stop()
    nodes = run.wait(timeout=60)

    assert run.state == "stopped"
    assert len(nodes) == 1
    assert nodes[0].stop["kind"] == "manual"
    assert Journey.open(journey.folder).node(nodes[0].id) == nodes[0]


def test_on_node_and_events_report_each_node(journey):
    called, events = [], []
    journey.subscribe(events.append)

    journey.train(EveryNIterations(5), nodes=2, on_node=called.append).wait()

    assert [n.id for n in called] == [2, 3]
    ended = [e for e in events if isinstance(e, RunEnded)]
    assert [(e.reason, e.nodes_done) for e in ended] == [("completed", 2)]


def test_one_run_at_a_time(journey):
    run = journey.train(EveryNIterations(10**9), nodes=None)

    with pytest.raises(RuntimeError, match="still training"):
        journey.train(EveryNIterations(5), nodes=1)

    run.stop()
    run.wait(timeout=60)


def test_a_time_budget_cuts_nodes_by_wall_time(journey):
    nodes = journey.train(TimeBudget(0.2), nodes=2).wait()

    assert all(n.compute.wall_seconds >= 0.2 for n in nodes)


@pytest.mark.parametrize("n", [0, -3, 2.5, True])
def test_a_stop_condition_needs_a_whole_positive_n(n):
    with pytest.raises(ValueError, match="whole number >= 1"):
        EveryNIterations(n)
    with pytest.raises(ValueError, match="whole number >= 1"):
        EveryNEpochs(n)


@pytest.mark.parametrize("nodes", [0, -1, 1.5])
def test_train_refuses_a_bad_node_count_and_writes_nothing(journey, nodes):
    before = listing(journey.folder)

    with pytest.raises(ValueError, match="nodes must be"):
        journey.train(EveryNIterations(5), nodes=nodes)

    assert listing(journey.folder) == before


def table(labels, feature=None):
    features = Features(
        {
            "x": Value("float32"),
            "label": feature or ClassLabel(names=["a", "b"]),
        }
    )
    values = {"x": np.arange(len(labels), dtype=np.float32), "label": labels}
    return Dataset.from_dict(values, features=features)


def test_data_without_the_label_column_is_refused():
    data = table([0, 1, 0, 1]).rename_column("label", "target")

    with pytest.raises(ValueError, match=r"no label column 'label'.*\['x', 'target'\]"):
        LabelledData.from_dataset(data)


def test_a_label_column_that_is_not_a_class_label_is_refused():
    data = table(["a", "b", "a", "b"], Value("string"))

    with pytest.raises(
        TypeError, match=r"not a datasets\.ClassLabel.*class_encode_column"
    ):
        LabelledData.from_dataset(data)


def test_bad_data_writes_no_journey(tmp_path):
    with pytest.raises(TypeError, match="LabelledData"):
        Journey.create(tmp_path / "j", data=table([0, 1, 0, 1]))

    assert not (tmp_path / "j").exists()


def test_a_model_that_does_not_fit_the_data_is_refused_before_writing(tmp_path, digits):
    from jupyter_journey import MLPClassifier

    with pytest.raises(ValueError, match=r"must output \(10,\)"):
        Journey.create(
            tmp_path / "j", digits, MLPClassifier, {"in_features": 64, "classes": 3}
        )

    assert not (tmp_path / "j").exists()


def test_opening_with_different_data_is_refused(journey):
    from jupyter_journey import load_digits_data

    other = load_digits_data(seed=1)

    with pytest.raises(ValueError, match="identity"):
        Journey.open(journey.folder, data=other)


def test_tree_text_draws_a_branch_and_names_where_a_line_resumes(journey):
    main = journey.train(EveryNIterations(5), nodes=3).wait()
    journey.train(EveryNIterations(5), nodes=1, parent=main[0]).wait()

    lines = journey.tree_text().splitlines()

    assert [line.split("#")[1].split()[0] for line in lines] == [
        "1",
        "2",
        "5",
        "3",
        "4",
    ]
    assert lines[0].startswith("○ #1 start")
    assert lines[2].startswith("├─● #5 iteration 10")
    assert lines[3].startswith("● #3 iteration 10")
    assert lines[3].endswith("(from #2)")
    assert f"accuracy {main[-1].accuracy:.4f}" in lines[4]
