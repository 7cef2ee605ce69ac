"""The journey folder: SQLite for node info, safetensors for tensors, no pickle."""

import pickle
import re
import signal
import sqlite3
import subprocess
import sys
import time
import warnings
from contextlib import closing

import pytest
import torch
from torch import nn

from jupyter_journey import EveryNIterations, Journey
from jupyter_journey.parents import HighestAccuracy, choose_parent
from jupyter_journey.store import (
    DATABASE,
    NODES,
    DamagedNodeError,
    DamagedNodeWarning,
    JourneyStore,
    NotAJourneyError,
)


def listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_journey_folder_holds_sqlite_and_one_safetensors_file_a_node(journey):
    journey.train(EveryNIterations(10), nodes=2).wait()

    files = listing(journey.folder)

    assert DATABASE in files
    tensor_files = [f for f in files if f.startswith(f"{NODES}/")]
    assert len(tensor_files) == 3
    assert all(f.endswith(".safetensors") for f in tensor_files)
    with sqlite3.connect(journey.folder / DATABASE) as connection:
        rows = connection.execute("SELECT id, parent_id, kind FROM nodes").fetchall()
    assert rows == [(1, None, "start"), (2, 1, "trained"), (3, 2, "trained")]


def test_a_node_file_holds_parameters_optimizer_random_state_and_predictions(journey):
    node = journey.train(EveryNIterations(10), nodes=1).wait()[0]

    tensors = journey._store.tensors(node.id)

    prefixes = {name.split(".")[0] for name in tensors}
    assert prefixes == {"model", "optimizer", "rng", "eval"}
    assert tensors["eval.predictions"].shape == (360,)
    assert {"rng.torch", "rng.numpy"} <= tensors.keys()


def test_reopening_gives_the_same_journey(journey):
    made = journey.train(EveryNIterations(10), nodes=2).wait()

    reopened = Journey.open(journey.folder)

    assert reopened.nodes() == journey.nodes()
    assert reopened.node(made[-1].id).test == made[-1].test
    assert reopened.label_names == tuple(str(d) for d in range(10))


def test_an_interrupted_write_leaves_no_node(journey, monkeypatch):
    before = journey.nodes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("jupyter_journey.store.save_file", crash)
    run = journey.train(EveryNIterations(5), nodes=1)
    with pytest.raises(RuntimeError, match="failed"):
        run.wait()

    assert Journey.open(journey.folder).nodes() == before


def test_a_node_file_without_its_row_is_ignored(journey):
    (journey.folder / NODES / "orphan.safetensors").write_bytes(b"partial")

    assert len(Journey.open(journey.folder).nodes()) == 1


@pytest.mark.parametrize("make", ["missing", "empty", "other_files", "not_sqlite"])
def test_opening_a_folder_that_is_not_a_journey_fails_and_writes_nothing(
    tmp_path, make
):
    folder = tmp_path / "folder"
    if make != "missing":
        folder.mkdir()
    if make == "other_files":
        (folder / "notes.txt").write_text("hello")
    if make == "not_sqlite":
        (folder / DATABASE).write_text("not a database")
    before = listing(tmp_path)

    with pytest.raises(NotAJourneyError, match="not a journey"):
        Journey.open(folder)

    assert listing(tmp_path) == before


def test_creating_over_a_folder_with_files_fails_and_writes_nothing(tmp_path, digits):
    (tmp_path / "notes.txt").write_text("mine")

    with pytest.raises(FileExistsError, match="not an empty folder"):
        Journey.create(tmp_path, digits)

    assert listing(tmp_path) == ["notes.txt"]


def test_creating_over_a_journey_says_to_open_it(journey, digits):
    with pytest.raises(FileExistsError, match="already holds a journey"):
        Journey.create(journey.folder, digits)


class TiedNet(nn.Module):
    """An encoder and decoder sharing one weight, as language models do."""

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.down = nn.Linear(64, classes, bias=False)
        self.up = nn.Linear(classes, 64, bias=False)
        self.up.weight = nn.Parameter(self.down.weight.T)  # not tied: a copy
        self.head = nn.Linear(classes, classes)
        self.tail = self.head  # tied: one module, two names

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.tail(self.down(x.flatten(1)))


def test_tied_weights_are_stored_once_and_tied_again_on_load(tmp_path, digits):
    journey = Journey.create(tmp_path / "tied", digits, TiedNet, {})
    node = journey.train(EveryNIterations(10), nodes=1).wait()[0]

    stored = journey._store.tensors(node.id, "model.")
    model = journey.load_model(node)

    assert "model.head.weight" in stored
    assert "model.tail.weight" not in stored
    assert model.tail is model.head
    assert torch.equal(model.head.weight, stored["model.head.weight"])


def test_store_refuses_an_unknown_node_naming_the_known_ones(journey):
    with pytest.raises(KeyError, match=r"no node 99.*\[1\]"):
        journey.node(99)


def test_store_reads_without_creating_a_database(tmp_path):
    with pytest.raises(NotAJourneyError):
        JourneyStore.open(tmp_path / "nowhere")

    assert not (tmp_path / "nowhere").exists()


TRAIN_FOREVER = """
import sys
from jupyter_journey import EveryNIterations, Journey
journey = Journey.create(sys.argv[1])
journey.train(EveryNIterations(3), nodes=None).wait()
"""


def test_a_killed_process_leaves_every_node_readable(tmp_path):
    folder = tmp_path / "killed"
    process = subprocess.Popen([sys.executable, "-c", TRAIN_FOREVER, str(folder)])
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and count_nodes(folder) < 4:
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()

    journey = Journey.open(folder)
    nodes = journey.nodes()

    assert len(nodes) >= 4
    for node in nodes:
        assert journey._store.tensors(node.id, "model.")
    more = journey.train(EveryNIterations(3), nodes=1).wait()
    assert more[0].parent_id == nodes[-1].id


def count_nodes(folder):
    try:
        with sqlite3.connect(f"file:{folder / DATABASE}?mode=ro", uri=True) as db:
            return db.execute("SELECT count(*) FROM nodes").fetchone()[0]
    except sqlite3.Error:
        return 0


def snapshot(folder):
    """Every file under ``folder`` with its bytes, to show nothing was changed."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def set_column(folder, node_id, column, value):
    with closing(sqlite3.connect(folder / DATABASE)) as connection, connection:
        connection.execute(
            f"UPDATE nodes SET {column} = ? WHERE id = ?", (value, node_id)
        )


def tensor_file(journey, node_id):
    with closing(sqlite3.connect(journey.folder / DATABASE)) as connection:
        (name,) = connection.execute(
            "SELECT state_file FROM nodes WHERE id = ?", (node_id,)
        ).fetchone()
    return journey.folder / NODES / name


@pytest.fixture
def three_nodes(journey):
    """A journey of a start node (1) and two trained nodes (2, 3), reopened."""
    journey.train(EveryNIterations(5), nodes=2).wait()
    return journey


@pytest.mark.parametrize(
    ("info", "problem"),
    [
        ("{not json", r"column info of its row is not JSON \(Expecting property"),
        ('{"dataset_id": "x"}', r"column info of its row lacks 'position'"),
        ("[1, 2]", r"column info of its row does not describe a node"),
    ],
)
def test_a_damaged_node_row_leaves_the_others_readable_and_warns(
    three_nodes, info, problem
):
    folder = three_nodes.folder
    set_column(folder, 2, "info", info)
    before = snapshot(folder)
    journey = Journey.open(folder)

    with pytest.warns(DamagedNodeWarning, match=r"1 node\(s\) .*\(node 2: " + problem):
        ids = [node.id for node in journey.nodes()]
    with pytest.raises(DamagedNodeError, match=r"^node 2 is damaged: .*") as raised:
        journey.node(2)
    with pytest.raises(DamagedNodeError, match=problem):
        journey.load_model(2)

    assert ids == [1, 3]
    assert raised.value.node_id == 2
    assert raised.value.path == folder / DATABASE
    assert isinstance(raised.value, ValueError)
    assert journey.node(3).id == 3
    assert journey.load_model(3) is not None
    assert snapshot(folder) == before


def test_a_damaged_node_warning_points_at_the_users_line(three_nodes):
    set_column(three_nodes.folder, 3, "info", "{not json")

    with pytest.warns(DamagedNodeWarning) as caught:
        choice = choose_parent(three_nodes, HighestAccuracy())

    assert choice.node.id == 2
    assert {warning.filename for warning in caught} == {__file__}


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        ("missing", r"the file is missing"),
        (b"xx", r"not a whole safetensors file \(.*header too small\)"),
        ("cut", r"not a whole safetensors file"),
    ],
)
def test_a_damaged_tensor_file_is_refused_naming_node_and_file(
    three_nodes, damage, problem
):
    path = tensor_file(three_nodes, 2)
    if damage == "missing":
        path.unlink()
    elif damage == "cut":
        path.write_bytes(path.read_bytes()[:-100])
    else:
        path.write_bytes(damage)
    before = snapshot(three_nodes.folder)
    journey = Journey.open(three_nodes.folder)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ids = [node.id for node in journey.nodes()]
    with pytest.raises(DamagedNodeError, match=rf"^node 2 is damaged: .*: {problem}"):
        journey.load_model(2)
    with pytest.raises(DamagedNodeError) as raised:
        journey._store.tensors(2, "eval.")

    assert ids == [1, 2, 3]
    assert raised.value.path == path
    assert journey._store.tensors(3, "eval.")
    assert snapshot(three_nodes.folder) == before


def test_a_tensor_file_name_that_leaves_the_nodes_folder_is_refused(three_nodes):
    set_column(three_nodes.folder, 2, "state_file", f"../{DATABASE}")

    with pytest.raises(DamagedNodeError, match=r"names '../journey.sqlite', not a"):
        three_nodes._store.tensors(2)


def test_a_damaged_training_state_is_refused_naming_the_node(three_nodes):
    set_column(three_nodes.folder, 2, "training_state", "{")

    with pytest.raises(
        DamagedNodeError, match=r"^node 2 is damaged: .*column training_state of"
    ):
        three_nodes.load_model(2)


@pytest.mark.parametrize("key", ["name", "model", "data", "seed"])
def test_a_journey_whose_meta_lacks_a_key_is_refused_naming_it(journey, key):
    with closing(sqlite3.connect(journey.folder / DATABASE)) as connection, connection:
        connection.execute("DELETE FROM meta WHERE key = ?", (key,))
    before = snapshot(journey.folder)

    with pytest.raises(
        NotAJourneyError, match=rf"not a whole journey: .* lacks '{key}'"
    ):
        Journey.open(journey.folder)

    assert snapshot(journey.folder) == before


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "data",
            '{"source": {}, "identity": "x"}',
            r"meta 'data' lacks \['label_names'\]",
        ),
        ("model", '"MLP"', r"meta 'model' is a str, not an object with \['factory'\]"),
        ("seed", "{not json", r"meta 'seed' is not JSON"),
    ],
)
def test_a_journey_whose_meta_is_damaged_is_refused_naming_the_key(
    journey, key, value, message
):
    with closing(sqlite3.connect(journey.folder / DATABASE)) as connection, connection:
        connection.execute("UPDATE meta SET value = ? WHERE key = ?", (value, key))

    with pytest.raises(NotAJourneyError, match=message):
        Journey.open(journey.folder)


@pytest.mark.parametrize("below", ["sub", "sub/deeper"])
def test_creating_under_a_file_names_the_file_and_writes_nothing(
    tmp_path, digits, below
):
    (tmp_path / "afile.txt").write_text("mine")

    with pytest.raises(NotADirectoryError, match=r"afile.txt is a file, not a folder"):
        Journey.create(tmp_path / "afile.txt" / below, digits)

    assert listing(tmp_path) == ["afile.txt"]


@pytest.mark.parametrize("folder", [123, None, b"journey"])
def test_a_folder_that_is_not_a_str_or_path_is_refused(tmp_path, folder):
    refusal = rf"^folder must be a str or path, got {re.escape(repr(folder))}$"

    with pytest.raises(TypeError, match=refusal):
        JourneyStore.open(folder)
    with pytest.raises(TypeError, match=refusal):
        JourneyStore.create(folder, {})
    with pytest.raises(TypeError, match=refusal):
        Journey.open(folder)


def test_a_damaged_node_error_survives_copying(three_nodes):
    set_column(three_nodes.folder, 2, "info", "{not json")
    with pytest.raises(DamagedNodeError) as raised:
        three_nodes.node(2)

    again = pickle.loads(pickle.dumps(raised.value))

    assert (again.node_id, again.path, str(again)) == (
        2,
        three_nodes.folder / DATABASE,
        str(raised.value),
    )


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda tmp: 123, TypeError, r"folder must be a str or path, got 123"),
        (lambda tmp: tmp / "afile.txt" / "sub", NotADirectoryError, r"afile.txt is a"),
        (lambda tmp: tmp / "afile.txt", FileExistsError, r"not an empty folder"),
        (lambda tmp: tmp, FileExistsError, r"not an empty folder"),
    ],
)
def test_a_new_folder_is_checked_before_anything_is_written(
    tmp_path, make, error, message
):
    (tmp_path / "afile.txt").write_text("mine")

    with pytest.raises(error, match=message):
        JourneyStore.new_folder(make(tmp_path))

    assert listing(tmp_path) == ["afile.txt"]
    assert JourneyStore.new_folder(tmp_path / "new") == tmp_path / "new"
    assert listing(tmp_path) == ["afile.txt"]


def test_a_damaged_node_leaves_its_children_in_the_tree(three_nodes):
    set_column(three_nodes.folder, 2, "info", "{not json")
    journey = Journey.open(three_nodes.folder)

    with pytest.warns(DamagedNodeWarning):
        lines = journey.tree_text().splitlines()

    assert [line.split("#")[1].split()[0] for line in lines] == ["1", "3"]
    assert lines[1].endswith("(from #2)")


def test_a_damaged_start_node_is_named_not_replaced(three_nodes):
    set_column(three_nodes.folder, 1, "info", "{not json")
    journey = Journey.open(three_nodes.folder)

    with pytest.raises(DamagedNodeError, match=r"^node 1 is damaged"):
        journey.test_labels()


def test_nodes_on_a_loop_of_parents_are_still_drawn(three_nodes):
    set_column(three_nodes.folder, 2, "parent_id", 3)

    lines = Journey.open(three_nodes.folder).tree_text().splitlines()

    assert sorted(line.split("#")[1].split()[0] for line in lines) == ["1", "2", "3"]
