"""The journey folder: node info in SQLite, tensors in one safetensors file a node.

Writes are crash-safe: a node's tensors go to a temporary file that is flushed
and renamed, and only then is the node's row inserted, in one transaction. A
node is therefore either whole or absent. Nothing is ever pickled, so opening
someone else's journey reads data and runs none of their code.

A folder damaged afterwards (a row edited by hand, a tensor file lost or cut
short) is read as far as it can be: ``nodes()`` returns every readable node
and warns of the others with a ``DamagedNodeWarning``, and reading a damaged
node itself raises a ``DamagedNodeError`` naming the node, the file and what is
wrong. Reading never deletes or rewrites anything.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
import warnings
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from ._stack import caller_outside_package
from .node import Compute, Node, NodeKind, Position, TestResult

DATABASE = "journey.sqlite"
NODES = "nodes"
FORMAT = 1
# The meta keys a journey reads, and the keys it reads inside them.
REQUIRED_META: dict[str, tuple[str, ...]] = {
    "name": (),
    "model": ("factory",),
    "data": ("source", "label_names", "identity"),
    "seed": (),
}

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE nodes (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES nodes(id),
    kind TEXT NOT NULL CHECK (kind IN ('start', 'trained')),
    created_at TEXT NOT NULL,
    iteration INTEGER NOT NULL,
    accuracy REAL,
    dataset_id TEXT NOT NULL,
    case_set_id TEXT,
    run_id TEXT,
    info TEXT NOT NULL,
    training_state TEXT NOT NULL,
    state_file TEXT NOT NULL
);
CREATE INDEX nodes_parent ON nodes(parent_id);
CREATE TABLE case_sets (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    samples TEXT NOT NULL
);
"""


class NotAJourneyError(FileNotFoundError):
    """The folder holds no journey, or not a whole one (its meta lacks a key)."""


class DamagedNodeError(ValueError):
    """A node's saved record or tensors cannot be read whole.

    A ``ValueError``, as the stored values are bad, not missing from the
    journey: an unknown node id is a ``KeyError`` instead.

    Attributes
    ----------
    node_id : int
        The damaged node.
    path : Path
        The file that holds the damage: the journey database or the node's
        tensor file.
    problem : str
        What is wrong with it.
    """

    def __init__(self, node_id: int, path: Path, problem: str) -> None:
        super().__init__(
            f"node {node_id} is damaged: {path}: {problem}; nothing was changed, "
            "and the journey's other nodes can still be read"
        )
        self.node_id = node_id
        self.path = path
        self.problem = problem

    def __reduce__(self) -> tuple[type[DamagedNodeError], tuple[int, Path, str]]:
        # Rebuilt from its three parts, not from the message, when copied.
        return type(self), (self.node_id, self.path, self.problem)


class DamagedNodeWarning(UserWarning):
    """Some nodes could not be read and were left out of a listing."""


class JourneyStore:
    """Reads and writes one journey folder. Safe to share between threads."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.database = folder / DATABASE

    @classmethod
    def create(cls, folder: str | Path, meta: dict[str, Any]) -> JourneyStore:
        """Make a new journey in ``folder``, which must be missing or empty.

        ``folder`` is checked first, as ``new_folder`` does, so a refused
        folder is left as it was.
        """
        folder = cls.new_folder(folder)
        (folder / NODES).mkdir(parents=True, exist_ok=True)
        # Build the database under a temporary name so that a folder either
        # holds a complete journey.sqlite or none.
        partial = folder / f".{DATABASE}.{uuid.uuid4().hex}.tmp"
        with closing(sqlite3.connect(partial)) as connection:
            connection.executescript(SCHEMA)
            connection.execute("PRAGMA journal_mode=WAL")
            rows = [("format", json.dumps(FORMAT))]
            rows += [(key, json.dumps(value)) for key, value in meta.items()]
            with connection:
                connection.executemany("INSERT INTO meta VALUES (?, ?)", rows)
        os.replace(partial, folder / DATABASE)
        _sync_folder(folder)
        return cls(folder)

    @staticmethod
    def new_folder(folder: str | Path) -> Path:
        """``folder`` as an absolute path, if a new journey can be made there.

        Writes nothing: call it before expensive work that ends in ``create``.

        Raises
        ------
        TypeError
            If ``folder`` is not a str or path.
        FileExistsError
            If ``folder`` holds a journey or other files, or is a file.
        NotADirectoryError
            If a file stands where one of ``folder``'s parents would be.
        """
        folder = _folder(folder)
        blocker = _file_in_the_way(folder)
        if blocker is not None:
            raise NotADirectoryError(
                f"cannot create a journey in {folder}: {blocker} is a file, not a "
                "folder; choose a folder path that does not pass through a file"
            )
        if (folder / DATABASE).exists():
            raise FileExistsError(
                f"{folder} already holds a journey; "
                f"open it with Journey.open({str(folder)!r})"
            )
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise FileExistsError(
                f"{folder} exists and is not an empty folder; choose a new folder"
            )
        return folder

    @classmethod
    def open(cls, folder: str | Path) -> JourneyStore:
        """Open the journey in ``folder``; writes nothing, even on failure.

        Raises
        ------
        TypeError
            If ``folder`` is not a str or path.
        NotAJourneyError
            If ``folder`` holds no journey database, one of another format,
            or one whose meta lacks a key a journey reads (named).
        """
        folder = _folder(folder)
        if not (folder / DATABASE).is_file():
            what = "does not exist" if not folder.exists() else f"has no {DATABASE}"
            raise NotAJourneyError(
                f"{folder} is not a journey: it {what}. Create one with Journey.create"
            )
        store = cls(folder)
        try:
            meta = store.meta()
        except sqlite3.DatabaseError as error:
            raise NotAJourneyError(
                f"{folder / DATABASE} is not a journey database: {error}"
            ) from None
        version = meta.get("format")
        if version != FORMAT:
            raise NotAJourneyError(
                f"{folder} holds journey format {version!r}; "
                f"this version reads format {FORMAT}"
            )
        _check_meta(store.database, meta)
        return store

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # One short-lived connection per operation keeps threads apart; mode=rw
        # never creates a database where none was.
        uri = f"file:{self.database}?mode=rw"
        with closing(sqlite3.connect(uri, uri=True, timeout=30)) as connection:
            connection.execute("PRAGMA synchronous=FULL")
            connection.row_factory = sqlite3.Row
            yield connection

    def meta(self) -> dict[str, Any]:
        """The journey's settings: model spec, data description, label names."""
        with self._connect() as connection:
            rows = connection.execute("SELECT key, value FROM meta").fetchall()
        meta = {}
        for row in rows:
            try:
                meta[row["key"]] = json.loads(row["value"])
            except (TypeError, ValueError) as error:
                raise NotAJourneyError(
                    f"{self.database} is not a whole journey: its meta "
                    f"{row['key']!r} is not JSON ({error})"
                ) from None
        return meta

    def add_node(
        self,
        *,
        parent_id: int | None,
        kind: NodeKind,
        position: Position,
        dataset_id: str,
        case_set_id: str | None,
        strategy: dict[str, Any],
        stop: dict[str, Any],
        test: TestResult,
        compute: Compute,
        run_id: str | None,
        tensors: dict[str, torch.Tensor],
        training_state: dict[str, Any],
    ) -> Node:
        """Save a node: its tensors first, then its row, which makes it exist."""
        state_file = f"{uuid.uuid4().hex}.safetensors"
        _write_tensors(self.folder / NODES / state_file, tensors)
        created_at = datetime.now(UTC)
        node = Node(
            id=0,
            parent_id=parent_id,
            kind=kind,
            created_at=created_at,
            position=position,
            dataset_id=dataset_id,
            case_set_id=case_set_id,
            strategy=strategy,
            stop=stop,
            test=test,
            compute=compute,
            run_id=run_id,
        )
        info = node.to_json()
        for column in ("id", "parent_id", "kind", "created_at", "run_id"):
            del info[column]
        with self._connect() as connection, connection:
            cursor = connection.execute(
                "INSERT INTO nodes (parent_id, kind, created_at, iteration, accuracy,"
                " dataset_id, case_set_id, run_id, info, training_state, state_file)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    parent_id,
                    kind,
                    created_at.isoformat(),
                    position.iteration,
                    test.accuracy,
                    dataset_id,
                    case_set_id,
                    run_id,
                    json.dumps(info),
                    json.dumps(training_state),
                    state_file,
                ),
            )
        assert cursor.lastrowid is not None
        return Node(**{**node.__dict__, "id": cursor.lastrowid})

    def nodes(self) -> list[Node]:
        """Every readable node, oldest first.

        A node whose record cannot be read is left out, and a
        ``DamagedNodeWarning`` names each one and what is wrong with it.
        """
        with self._connect() as connection:
            rows = connection.execute("SELECT * FROM nodes ORDER BY id").fetchall()
        nodes, damaged = [], []
        for row in rows:
            try:
                nodes.append(self._node_from_row(row))
            except DamagedNodeError as error:
                damaged.append(error)
        if damaged:
            details = "; ".join(f"node {e.node_id}: {e.problem}" for e in damaged)
            warnings.warn(
                f"{len(damaged)} node(s) of the journey in {self.folder} are damaged "
                f"and left out ({details}); the files are left as they are",
                DamagedNodeWarning,
                stacklevel=caller_outside_package(),
            )
        return nodes

    def start_node_id(self) -> int:
        """The id of the start node, read from its row's own column."""
        with self._connect() as connection:
            row = connection.execute(
                "SELECT id FROM nodes WHERE kind = 'start' ORDER BY id LIMIT 1"
            ).fetchone()
        if row is None:
            raise NotAJourneyError(f"{self.folder} holds no start node")
        return int(row[0])

    def node(self, node_id: int) -> Node:
        """One node by id.

        Raises
        ------
        KeyError
            Naming the known ids, if there is no such node.
        DamagedNodeError
            If its record cannot be read.
        """
        return self._node_from_row(self._row(node_id))

    def training_state(self, node_id: int) -> dict[str, Any]:
        """The non-tensor training state saved with a node.

        Raises ``KeyError`` or ``DamagedNodeError`` as ``node`` does.
        """
        row = self._row(node_id)
        self._node_from_row(row)
        state = self._json(row, "training_state")
        if not isinstance(state, dict):
            raise DamagedNodeError(
                node_id,
                self.database,
                f"column training_state of its row holds a {type(state).__name__}, "
                "not an object",
            )
        return state

    def tensors(self, node_id: int, prefix: str = "") -> dict[str, torch.Tensor]:
        """The node's tensors whose names start with ``prefix``, on the CPU.

        Raises ``KeyError`` as ``node`` does, and ``DamagedNodeError`` if the
        node's record cannot be read, or its tensor file is missing or not a
        safetensors file.
        """
        row = self._row(node_id)
        self._node_from_row(row)
        name = row["state_file"]
        if not isinstance(name, str) or Path(name).name != name or not name:
            # A name that leads out of nodes/ would read a file that is not ours.
            raise DamagedNodeError(
                node_id,
                self.database,
                f"column state_file of its row names {name!r}, not a file in {NODES}/",
            )
        path = self.folder / NODES / name
        try:
            with safe_open(str(path), framework="pt", device="cpu") as file:
                stored = file.keys()
                names = [key for key in stored if key.startswith(prefix)]
                return {key: file.get_tensor(key) for key in names}
        except FileNotFoundError:
            raise DamagedNodeError(node_id, path, "the file is missing") from None
        except SafetensorError as error:
            raise DamagedNodeError(
                node_id, path, f"not a whole safetensors file ({error})"
            ) from None

    def _node_from_row(self, row: sqlite3.Row) -> Node:
        info = self._json(row, "info")
        try:
            return Node.from_json(
                {
                    **info,
                    "id": row["id"],
                    "parent_id": row["parent_id"],
                    "kind": row["kind"],
                    "created_at": row["created_at"],
                    "run_id": row["run_id"],
                }
            )
        except KeyError as error:
            problem = f"lacks {error}"
        except (TypeError, ValueError, AttributeError) as error:
            problem = f"does not describe a node ({error})"
        raise DamagedNodeError(
            row["id"], self.database, f"column info of its row {problem}"
        )

    def _json(self, row: sqlite3.Row, column: str) -> Any:
        try:
            return json.loads(row[column])
        except (TypeError, ValueError) as error:
            raise DamagedNodeError(
                row["id"],
                self.database,
                f"column {column} of its row is not JSON ({error})",
            ) from None

    def _row(self, node_id: int) -> sqlite3.Row:
        with self._connect() as connection:
            row: sqlite3.Row | None = connection.execute(
                "SELECT * FROM nodes WHERE id = ?", (node_id,)
            ).fetchone()
            if row is None:
                ids = [r[0] for r in connection.execute("SELECT id FROM nodes")]
                raise KeyError(
                    f"no node {node_id!r} in this journey; its nodes are {ids}"
                )
        return row

    def save_case_set(self, case_set_id: str, samples: list[dict[str, Any]]) -> None:
        """Keep the case set a node was trained with (once per content)."""
        with self._connect() as connection, connection:
            connection.execute(
                "INSERT OR IGNORE INTO case_sets VALUES (?, ?, ?)",
                (case_set_id, datetime.now(UTC).isoformat(), json.dumps(samples)),
            )

    def case_set_samples(self, case_set_id: str) -> list[dict[str, Any]]:
        """The samples of a case set saved with ``save_case_set``."""
        with self._connect() as connection:
            row = connection.execute(
                "SELECT samples FROM case_sets WHERE id = ?", (case_set_id,)
            ).fetchone()
        if row is None:
            raise KeyError(f"no case set {case_set_id!r} in this journey")
        samples: list[dict[str, Any]] = json.loads(row["samples"])
        return samples


def _folder(folder: object) -> Path:
    if not isinstance(folder, str | os.PathLike):
        raise TypeError(f"folder must be a str or path, got {folder!r}")
    return Path(folder).expanduser().resolve()


def _check_meta(database: Path, meta: dict[str, Any]) -> None:
    for key, inner in REQUIRED_META.items():
        if key not in meta:
            raise NotAJourneyError(
                f"{database} is not a whole journey: its meta lacks {key!r} "
                f"(it has {sorted(meta)})"
            )
        value = meta[key]
        if inner and not isinstance(value, dict):
            raise NotAJourneyError(
                f"{database} is not a whole journey: its meta {key!r} is a "
                f"{type(value).__name__}, not an object with {list(inner)}"
            )
        lacking = [name for name in inner if name not in value]
        if lacking:
            raise NotAJourneyError(
                f"{database} is not a whole journey: its meta {key!r} lacks "
                f"{lacking} (it has {sorted(value)})"
            )


def _file_in_the_way(folder: Path) -> Path | None:
    """The file, if any, standing where one of ``folder``'s parents would be.

    ``folder`` itself being a file is left to the "not an empty folder" check.
    """
    for place in [folder, *folder.parents]:
        if place.exists():
            return None if place.is_dir() or place == folder else place
    return None


def _write_tensors(path: Path, tensors: dict[str, torch.Tensor]) -> None:
    partial = path.with_name(f".{path.name}.tmp")
    save_file({k: t.detach().cpu().contiguous() for k, t in tensors.items()}, partial)
    with open(partial, "rb") as file:
        os.fsync(file.fileno())
    os.replace(partial, path)
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    # The rename itself is durable only once the folder's entry is flushed.
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
