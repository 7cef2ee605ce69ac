"""The journey from Python: create, train in the background, stop, reopen, bad input."""

import subprocess
import sys
import threading

import numpy as np
import pytest
import torch
from datasets import ClassLabel, Dataset, DatasetDict, Features, Value
from torch import nn

from jupyter_journey import (
    EveryNIterations,
    HighestAccuracy,
    Journey,
    LabelledData,
    MLPClassifier,
    NodeAdded,
    RunEnded,
    RunProgress,
    TimeBudget,
    load_news_data,
)
from jupyter_journey.lock import JourneyBusyError
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


def test_labels_outside_the_classes_are_refused_before_anything_is_written(tmp_path):
    data = table([0, -1, 1, 0, 1, -1])

    with pytest.raises(ValueError, match=r"hold \[-1\].*no label.*filter"):
        LabelledData.from_dataset(data)


def test_one_class_is_not_a_classification():
    data = table([0, 0, 0, 0], ClassLabel(names=["only"]))

    with pytest.raises(ValueError, match=r"1 class\(es\), \['only'\].*at least 2"):
        LabelledData.from_dataset(data)


def test_splits_that_name_their_classes_differently_are_refused():
    train = table([0, 1, 0, 1])
    test = table([0, 1], ClassLabel(names=["b", "a"]))

    with pytest.raises(ValueError, match=r"train \['a', 'b'\], test \['b', 'a'\]"):
        LabelledData.from_dataset(DatasetDict(train=train, test=test))


def test_a_split_that_cannot_be_stratified_says_what_to_do():
    data = table([0, 0, 0, 0, 0, 0, 0, 1])

    with pytest.raises(ValueError, match="Every class needs samples on both sides"):
        LabelledData.from_dataset(data, test_size=0.2)


def test_text_without_a_value_is_named_by_row():
    features = Features(
        {"text": Value("string"), "label": ClassLabel(names=["a", "b"])}
    )
    data = Dataset.from_dict(
        {"text": ["one", None, "three", "four"], "label": [0, 1, 0, 1]},
        features=features,
    )

    with pytest.raises(ValueError, match="row 1 holds None"):
        LabelledData.from_dataset(DatasetDict(train=data, test=data))


def test_a_node_of_another_journey_is_not_a_parent(journey, tmp_path, digits):
    other = Journey.create(tmp_path / "other", digits)
    foreign = other.train(EveryNIterations(5), nodes=1).wait()[0]
    before = listing(journey.folder)

    with pytest.raises(ValueError, match=r"node #2 .* is not a node of the journey"):
        journey.train(EveryNIterations(5), nodes=1, parent=foreign)

    assert listing(journey.folder) == before


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"parent": HighestAccuracy}, TypeError, r"is a class; .*HighestAccuracy\(\)"),
        ({"case_set": [1, 2]}, TypeError, "case_set must be a CaseSet"),
        ({"device": "tpu9"}, ValueError, "not known to torch"),
    ],
)
def test_train_names_a_bad_argument(journey, arguments, error, message):
    with pytest.raises(error, match=message):
        journey.train(EveryNIterations(5), nodes=1, **arguments)


@pytest.mark.skipif(torch.cuda.is_available(), reason="asks for a GPU that is absent")
def test_asking_for_a_gpu_that_is_absent_says_so(journey):
    with pytest.raises(ValueError, match="torch sees none here"):
        journey.train(EveryNIterations(5), nodes=1, device="cuda")


class TupleNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.linear(x.flatten(1))
        return logits, logits


class FrozenNet(TupleNet):
    def __init__(self) -> None:
        super().__init__()
        self.linear.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return self.linear(x.flatten(1))


@pytest.mark.parametrize(
    ("model", "hyperparameters", "message"),
    [
        (TupleNet, {}, "returns tuple; it must return one tensor"),
        (FrozenNet, {}, "no trainable parameters"),
        (
            MLPClassifier,
            {"in_features": 64, "classes": 10, "hidden": -5},
            "could not build .*'hidden': -5}: RuntimeError",
        ),
        (MLPClassifier, [1], "hyperparameters must be a dict"),
    ],
)
def test_a_model_that_cannot_train_is_refused_before_writing(
    tmp_path, digits, model, hyperparameters, message
):
    with pytest.raises((TypeError, ValueError), match=message):
        Journey.create(tmp_path / "j", digits, model, hyperparameters)

    assert not (tmp_path / "j").exists()


def test_a_seed_beyond_64_bits_is_refused(tmp_path, digits):
    with pytest.raises(
        ValueError, match=r"seed must be a whole number in \[0, 2\*\*63\)"
    ):
        Journey.create(tmp_path / "j", digits, seed=2**70)


def test_two_journey_objects_cannot_train_one_folder_at_once(journey):
    run = journey.train(EveryNIterations(10**9), nodes=None)
    twin = Journey.open(journey.folder)

    try:
        with pytest.raises(JourneyBusyError, match="another run is training"):
            twin.train(EveryNIterations(5), nodes=1)
    finally:
        run.stop()
        run.wait(timeout=60)

    assert twin.train(EveryNIterations(5), nodes=1).wait()


HOLD_THE_LOCK = """
import sys
from jupyter_journey import EveryNIterations, Journey
run = Journey.open(sys.argv[1]).train(EveryNIterations(10**9), nodes=None)
print("training", flush=True)
sys.stdin.readline()
run.stop()
run.wait()
"""


def test_another_process_cannot_train_the_folder_meanwhile(journey):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, str(journey.folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "training"
        with pytest.raises(JourneyBusyError):
            journey.train(EveryNIterations(5), nodes=1)
    finally:
        holder.communicate("stop\n", timeout=120)

    assert journey.train(EveryNIterations(5), nodes=1).wait()


def test_interrupting_a_wait_stops_the_run_with_a_whole_node(journey, monkeypatch):
    progress = threading.Event()
    journey.subscribe(lambda event: isinstance(event, RunProgress) and progress.set())
    run = journey.train(EveryNIterations(10**9), nodes=None)
    progress.wait(timeout=60)
    calls = []

    def interrupted_wait(predicate, timeout=None):
        calls.append(timeout)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return original_wait(predicate, timeout)

    original_wait = run._changed.wait_for
    monkeypatch.setattr(run._changed, "wait_for", interrupted_wait)

    with pytest.raises(KeyboardInterrupt):
        run.wait()
    nodes = run.wait(timeout=60)

    assert run.state == "stopped"
    assert [n.stop["kind"] for n in nodes] == ["manual"]


def test_a_model_module_that_is_not_imported_is_never_imported(journey, monkeypatch):
    reopened = Journey.open(journey.folder)
    record = dict(reopened._meta["model"], factory="not_imported_anywhere:Net")
    monkeypatch.setitem(reopened._meta, "model", record)

    with pytest.raises(LookupError, match="never imports code it names"):
        reopened.load_model(reopened.start_node)

    assert "not_imported_anywhere" not in sys.modules


def test_a_folder_that_is_no_path_is_refused_before_building_anything(digits):
    with pytest.raises(TypeError, match="123"):
        Journey.create(123, digits)


def test_a_true_weight_threshold_is_refused(journey):
    with pytest.raises(ValueError, match="weight_threshold must be a finite number"):
        journey.train(EveryNIterations(5), nodes=1, weight_threshold=True)


def test_empty_labels_are_refused_naming_the_split():
    train = table([0, 1, None, 1, 0, 1])
    test = table([0, 1])

    with pytest.raises(ValueError, match=r"1 row\(s\) of the 'train' labels are empty"):
        LabelledData.from_dataset(DatasetDict(train=train, test=test))


def test_a_training_split_with_one_class_present_is_refused():
    three = ClassLabel(names=["a", "b", "c"])
    train = table([0] * 6, three)
    test = table([0, 1, 2], three)

    with pytest.raises(ValueError, match=r"holds only class\(es\) \['a'\]"):
        LabelledData.from_dataset(DatasetDict(train=train, test=test))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"text,label\n", "has no rows"),
        (b"\x00\x01PK\x03\x04", "holds binary data"),
        (b"text,label\nA story.,world\nAnother.,\n", r"row\(s\) \[1\] have no label"),
    ],
)
def test_a_bad_news_file_is_named(tmp_path, content, message):
    path = tmp_path / "news.csv"
    path.write_bytes(content)

    with pytest.raises(ValueError, match=message):
        load_news_data(path)


class NaNNet(TupleNet):
    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return self.linear(x.flatten(1)) * float("nan")


class LongNet(TupleNet):
    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return self.linear(x.flatten(1)).long()


@pytest.mark.parametrize(
    ("model", "hyperparameters", "message"),
    [
        (NaNNet, {}, "NaN or infinite logits"),
        (LongNet, {}, "torch.int64 logits"),
    ],
)
def test_a_model_with_unusable_outputs_is_refused_before_writing(
    tmp_path, digits, model, hyperparameters, message
):
    with pytest.raises(ValueError, match=message):
        Journey.create(tmp_path / "j", digits, model, hyperparameters)

    assert not (tmp_path / "j").exists()


def test_a_numpy_seed_is_a_seed(tmp_path, digits):
    journey = Journey.create(tmp_path / "j", digits, seed=np.int64(3))

    assert journey.seed == 3


def test_a_parent_function_must_return_a_node_and_a_reason(journey):
    with pytest.raises(TypeError, match=r"must return \(Node, str\), got 5"):
        journey.train(EveryNIterations(5), nodes=1, parent=lambda journey: 5)


ENDS_WHILE_TRAINING = """
import sys, time
from jupyter_journey import EveryNIterations, Journey
journey = Journey.create(sys.argv[1])
journey.train(EveryNIterations(100), nodes=None)
time.sleep(3)
"""


def test_a_script_that_ends_while_training_stops_the_run_cleanly(tmp_path):
    folder = tmp_path / "ended"

    done = subprocess.run(
        [sys.executable, "-c", ENDS_WHILE_TRAINING, str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stderr
    assert "terminate called" not in done.stderr
    nodes = Journey.open(folder).nodes()
    assert nodes[-1].stop["kind"] == "manual"
