"""Tables read from files, checked first: the reasons a file cannot be read, named.

``datasets`` reads the files; what is checked here comes before it, so that a
file that is empty, holds only a header, or is of another format is a
``ValueError`` naming the path and the problem, with no half-read table and
no log noise. Case sets and the news loader read their CSV files through here.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import datasets
from datasets import Dataset, Features, Value
from datasets.exceptions import DatasetGenerationError
from pyarrow import ArrowException

# Every Parquet file starts and ends with these bytes.
PARQUET_MAGIC = b"PAR1"


@contextmanager
def quiet_progress() -> Iterator[None]:
    """Hide ``datasets``' progress bars for the few-second steps inside.

    Reading a CSV of a few thousand rows takes well under a second; three bars
    for it would bury a notebook cell's output. Bars are restored after, and
    stay on for the user's own long ``datasets`` work.
    """
    was_disabled = datasets.are_progress_bars_disabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if not was_disabled:
            datasets.enable_progress_bars()


def existing_file(path: str | Path, what: str) -> Path:
    """``path`` as a Path to a file; ``what`` names the file in the errors."""
    if not isinstance(path, str | Path):
        raise TypeError(f"path must be a str or Path, got {path!r}")
    path = Path(path).expanduser()
    if path.is_dir():
        raise FileNotFoundError(f"{path} is a folder; name a {what} in it")
    if not path.is_file():
        raise FileNotFoundError(f"no {what} at {path}")
    return path


def file_text(path: Path, kind: str, readers: Mapping[str, str]) -> str:
    """The file as UTF-8 text, or a ValueError saying why it is not ``kind``.

    ``readers`` names, by format, what reads a file of another format, for
    the error to suggest.
    """
    data = path.read_bytes()
    if kind != "Parquet" and data.startswith(PARQUET_MAGIC):
        raise ValueError(
            f"{path} is not a {kind} file: it is a Parquet file"
            + _suggest(readers, "Parquet")
        )
    zero = data.find(b"\0")
    if zero >= 0:
        raise ValueError(
            f"{path} is not a {kind} file: it holds binary data (a zero byte at "
            f"position {zero})"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path} is not a {kind} file: byte {data[error.start]:#04x} at position "
            f"{error.start} is not UTF-8 text"
        ) from None


def read_text_csv(
    path: str | Path, *, what: str, expected: str, readers: Mapping[str, str]
) -> Dataset:
    """Read a CSV file with every cell as text.

    Reading cells as text keeps label names such as ``"07"`` from turning into
    numbers, and an empty cell reads as "no value". UTF-8 with or without a
    byte-order mark (as spreadsheets write it) is read.

    Parameters
    ----------
    path : str or Path
        The file.
    what : str
        What the file is, for errors ("case set file").
    expected : str
        What its header and rows should be, said when the file is empty.
    readers : mapping
        By format ("Parquet", "JSON-lines"), what reads such a file instead.

    Raises
    ------
    ValueError
        Naming the path, when the file is empty, has a header but no rows,
        names a column twice, or is not a CSV file (binary, Parquet, JSON, not
        UTF-8).
    """
    path = existing_file(path, what)
    header = _csv_header(path, expected, readers)
    with reading(path, "CSV"), tempfile.TemporaryDirectory() as cache:
        return Dataset.from_csv(
            str(path),
            features=Features({name: Value("string") for name in header}),
            keep_default_na=False,
            encoding="utf-8-sig",
            cache_dir=cache,
            keep_in_memory=True,
        )


def _csv_header(path: Path, expected: str, readers: Mapping[str, str]) -> list[str]:
    """The header of a CSV file that has one and at least one row under it."""
    text = file_text(path, "CSV", readers)
    if text.lstrip().startswith("{"):
        raise ValueError(
            f"{path} is not a CSV file: it starts with a JSON object"
            + _suggest(readers, "JSON-lines")
        )
    try:
        rows = [row for row in csv.reader(io.StringIO(text)) if row]
    except csv.Error as error:
        raise ValueError(f"{path} is not a CSV file: {error}") from None
    if not rows:
        raise ValueError(f"{path} is empty; {expected}")
    header = rows[0]
    twice = sorted(name for name, count in Counter(header).items() if count > 1)
    if twice:
        raise ValueError(f"{path} names column(s) {twice} more than once: {header}")
    if len(rows) == 1:
        raise ValueError(
            f"{path} has no rows, only the header {header}; add a row per sample"
        )
    return header


def _suggest(readers: Mapping[str, str], kind: str) -> str:
    return f"; read it with {readers[kind]}" if kind in readers else ""


@contextmanager
def reading(path: Path, kind: str) -> Iterator[None]:
    """Progress bars off, and what ``datasets`` still refuses named as our error.

    The checks above catch the files we know to be unreadable; a file that
    passes them and still fails (a damaged Parquet file, a CSV whose rows
    pandas cannot split) is reported with the path and the reader's reason.
    """
    with quiet_progress():
        try:
            yield
        except (DatasetGenerationError, ArrowException, ValueError) as error:
            reason = error.__cause__ or error
            raise ValueError(
                f"{path} is not a readable {kind} file: {reason}"
            ) from error
