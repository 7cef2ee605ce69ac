"""The journey folder: SQLite for node info, safetensors for tensors, no pickle."""

import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
import torch
from torch import nn

from jupyter_journey import EveryNIterations, Journey
from jupyter_journey.store import DATABASE, NODES, JourneyStore, NotAJourneyError


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
