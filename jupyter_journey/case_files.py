"""Case sets as tables and files: a ``datasets.Dataset``, CSV, JSON lines, Parquet.

Every format holds the same columns: ``id``, ``input``, ``label``, ``weight``
and the provenance columns ``source``, ``test_index``, ``node_id``,
``predicted`` and ``confidence``, empty where they do not apply. Labels are
class names in every file. Numeric inputs are nested lists in JSON lines and
Parquet, and JSON array strings in CSV, such as ``"[[0.0, 0.5], [1.0, 0.25]]"``.

Reading turns a file into rows for ``CaseSet`` to check; nothing here decides
what a valid sample is. Whether a file can be read at all is decided first,
here and in ``tables``: a file that is empty, holds only a header, or is not
of the format asked for is a ``ValueError`` naming the path and the problem,
raised before ``datasets`` sees the file.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from datasets import ClassLabel, Dataset, Features, Value
from datasets import Sequence as ListFeature
from pyarrow import ArrowException
from pyarrow import parquet as pq

from .data import TensorEncoder, TextEncoder
from .tables import (
    PARQUET_MAGIC,
    existing_file,
    file_text,
    quiet_progress,
    read_text_csv,
    reading,
)

if TYPE_CHECKING:
    from .cases import CaseSet

INPUT, LABEL, WEIGHT = "input", "label", "weight"
PROVENANCE = ("source", "test_index", "node_id", "predicted", "confidence")
COLUMNS = ("id", INPUT, LABEL, WEIGHT, *PROVENANCE)
WHAT = "case set file"
CSV_EXPECTED = (
    f"a case set CSV has a header row naming its columns ({INPUT!r}, {LABEL!r}, "
    f"optionally {WEIGHT!r}) and a row per sample"
)
OTHER_READERS = {"Parquet": "add_parquet", "JSON-lines": "add_json", "CSV": "add_csv"}


def case_table(case_set: CaseSet, *, label_names: bool = False) -> Dataset:
    """The samples as a table: labels a ``ClassLabel``, or names if asked."""
    records = case_set.records()
    columns = {name: [record[name] for record in records] for name in COLUMNS}
    if not label_names:
        columns[LABEL] = [case_set.label_names.index(name) for name in columns[LABEL]]
    return Dataset.from_dict(columns, features=_features(case_set, label_names))


def table_rows(
    dataset: Dataset, input_column: str, label_column: str, weight_column: str
) -> list[dict[str, Any]]:
    """The rows of ``dataset`` as sample records, with labels as names.

    A missing input or label column is an error naming what is there; a
    missing weight column leaves the weight to its default. Where there is a
    weight column, every row keeps its weight cell, empty or not, for
    ``CaseSet`` to refuse an empty one. Rows without a ``source`` count as
    uploaded.
    """
    present = dataset.column_names
    missing = [c for c in (input_column, label_column) if c not in present]
    if missing:
        raise ValueError(
            f"the data lacks column(s) {missing}; it has {present}. A case set "
            f"needs {input_column!r} and {label_column!r}"
        )
    labels = dataset[label_column]
    feature = dataset.features[label_column]
    if isinstance(feature, ClassLabel):
        labels = [feature.int2str(int(label)) for label in labels]
    columns = {INPUT: dataset[input_column], LABEL: labels}
    if weight_column in present:
        columns[WEIGHT] = dataset[weight_column]
    columns.update({name: dataset[name] for name in PROVENANCE if name in present})
    return [
        {
            "source": "uploaded",
            **{
                name: values[row]
                for name, values in columns.items()
                if name == WEIGHT or is_present(values[row])
            },
        }
        for row in range(len(dataset))
    ]


def write_csv(case_set: CaseSet, path: str | Path) -> None:
    """Write a CSV file; numeric inputs as JSON array strings."""
    table = case_table(case_set, label_names=True)
    if isinstance(case_set.encoder, TensorEncoder):
        strings = [json.dumps(value) for value in table[INPUT]]
        features = table.features.copy()
        features[INPUT] = Value("string")
        columns = {name: table[name] for name in COLUMNS}
        table = Dataset.from_dict({**columns, INPUT: strings}, features=features)
    with quiet_progress():
        table.to_csv(str(path), index=False)


def read_csv(path: str | Path, numeric_column: str | None = None) -> Dataset:
    """Read a case set CSV, every cell as text, ``numeric_column`` parsed as JSON.

    Raises
    ------
    ValueError
        Naming the path, when the file is empty, has a header but no rows,
        names a column twice, or is not a CSV file (see
        ``tables.read_text_csv``), or an input is not a JSON array.
    """
    table = read_text_csv(path, what=WHAT, expected=CSV_EXPECTED, readers=OTHER_READERS)
    if numeric_column is None or numeric_column not in table.column_names:
        return table
    parsed = [
        _json_array(Path(path), text, row)
        for row, text in enumerate(table[numeric_column])
    ]
    return table.remove_columns(numeric_column).add_column(numeric_column, parsed)


def write_json(case_set: CaseSet, path: str | Path) -> None:
    """Write JSON lines, one sample a line.

    Written with Python's json, whose numbers read back exactly; the pandas
    writer behind ``Dataset.to_json`` keeps 10 decimals, which would change a
    weight such as 1/3 and with it the case set's identity.
    """
    with open(path, "w", encoding="utf-8") as file:
        for record in case_set.records():
            file.write(json.dumps({name: record[name] for name in COLUMNS}) + "\n")


def read_json(path: str | Path) -> Dataset:
    """Read a JSON-lines file: one JSON object a line; blank lines are skipped.

    Raises
    ------
    ValueError
        Naming the path, when the file has no rows, or a line is not a JSON
        object, or the file is not UTF-8 text.
    """
    path = existing_file(path, WHAT)
    _check_json_lines(path)
    with reading(path, "JSON-lines"), tempfile.TemporaryDirectory() as cache:
        return Dataset.from_json(str(path), cache_dir=cache, keep_in_memory=True)


def write_parquet(case_set: CaseSet, path: str | Path) -> None:
    """Write a Parquet file."""
    with quiet_progress():
        case_table(case_set, label_names=True).to_parquet(str(path))


def read_parquet(path: str | Path) -> Dataset:
    """Read a Parquet file.

    Raises
    ------
    ValueError
        Naming the path, when the file is not a Parquet file, is damaged, or
        holds no rows.
    """
    path = existing_file(path, WHAT)
    _check_parquet(path)
    with reading(path, "Parquet"), tempfile.TemporaryDirectory() as cache:
        return Dataset.from_parquet(str(path), cache_dir=cache, keep_in_memory=True)


def is_present(value: Any) -> bool:
    """Whether a cell holds a value: not None, not empty text, not NaN."""
    if value is None or (isinstance(value, str) and value == ""):
        return False
    return not (isinstance(value, float) and math.isnan(value))


def _features(case_set: CaseSet, label_names: bool) -> Features:
    input_feature: Any
    if isinstance(case_set.encoder, TextEncoder):
        input_feature = Value("string")
    else:
        input_feature = Value("float32")
        for _ in case_set.encoder.shape:
            input_feature = ListFeature(input_feature)
    label = (
        Value("string") if label_names else ClassLabel(names=list(case_set.label_names))
    )
    return Features(
        {
            "id": Value("int64"),
            INPUT: input_feature,
            LABEL: label,
            WEIGHT: Value("float64"),
            "source": Value("string"),
            "test_index": Value("int64"),
            "node_id": Value("int64"),
            "predicted": label,
            "confidence": Value("float64"),
        }
    )


def _json_array(path: Path, text: str, row: int) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(
            f"{path}, row {row}: input {text[:40]!r} is not a JSON array; numeric "
            "inputs in a CSV are JSON arrays such as [[0.0, 0.5], [1.0, 0.25]]"
        ) from None


def _check_json_lines(path: Path) -> None:
    lines = [
        (number, line)
        for number, line in enumerate(
            file_text(path, "JSON-lines", OTHER_READERS).splitlines(), 1
        )
        if line.strip()
    ]
    if not lines:
        raise ValueError(
            f"{path} has no rows; a JSON-lines case set file holds one JSON object "
            'a line, such as {"input": ..., "label": ...}'
        )
    for number, line in lines:
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(
                f"{path} is not a JSON-lines file: line {number} is not JSON "
                f"({error.msg}): {line[:40]!r}"
            ) from None
        if not isinstance(value, dict):
            raise ValueError(
                f"{path} is not a JSON-lines file: line {number} is a "
                f"{type(value).__name__}, not a JSON object: {line[:40]!r}"
            )
        if not value:
            raise ValueError(
                f"{path}, line {number}: the JSON object is empty; a row needs "
                f"at least {INPUT!r} and {LABEL!r}"
            )


def _check_parquet(path: Path) -> None:
    with open(path, "rb") as file:
        head = file.read(len(PARQUET_MAGIC))
        size = file.seek(0, 2)
        file.seek(max(size - len(PARQUET_MAGIC), 0))
        tail = file.read()
    if size == 0:
        raise ValueError(f"{path} is empty; a Parquet file was expected")
    if head != PARQUET_MAGIC or tail != PARQUET_MAGIC:
        raise ValueError(
            f"{path} is not a Parquet file: it lacks Parquet's {PARQUET_MAGIC!r} "
            "marks at its start and end"
        )
    # The footer says how many rows there are; reading it also finds a damaged
    # file before datasets does, which would log its own error first.
    try:
        rows = pq.read_metadata(path).num_rows
    except ArrowException as error:
        raise ValueError(f"{path} is not a readable Parquet file: {error}") from None
    if rows == 0:
        raise ValueError(f"{path} has no rows; add a row per sample")
