"""Case sets as tables and files: a ``datasets.Dataset``, CSV, JSON lines, Parquet.

Every format holds the same columns: ``id``, ``input``, ``label``, ``weight``
and the provenance columns ``source``, ``test_index``, ``node_id``,
``predicted`` and ``confidence``, empty where they do not apply. Labels are
class names in every file. Numeric inputs are nested lists in JSON lines and
Parquet, and JSON array strings in CSV, such as ``"[[0.0, 0.5], [1.0, 0.25]]"``.

Reading turns a file into rows for ``CaseSet`` to check; nothing here decides
what a valid sample is.
"""

from __future__ import annotations

import csv
import json
import math
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from datasets import ClassLabel, Dataset, Features, Value
from datasets import Sequence as ListFeature

from .data import TensorEncoder, TextEncoder, quiet_progress

if TYPE_CHECKING:
    from .cases import CaseSet

INPUT, LABEL, WEIGHT = "input", "label", "weight"
PROVENANCE = ("source", "test_index", "node_id", "predicted", "confidence")
COLUMNS = ("id", INPUT, LABEL, WEIGHT, *PROVENANCE)


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
    missing weight column leaves the weight to its default. Rows without a
    ``source`` count as uploaded.
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
                if is_present(values[row])
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
    """Read a CSV file with every cell as text, parsing ``numeric_column`` as JSON.

    Reading cells as text keeps label names such as ``"07"`` from turning into
    numbers, and an empty cell reads as "no value".
    """
    path = _existing(path)
    with open(path, newline="", encoding="utf-8") as file:
        header = next(csv.reader(file), [])
    with tempfile.TemporaryDirectory() as cache, quiet_progress():
        table = Dataset.from_csv(
            str(path),
            features=Features({name: Value("string") for name in header}),
            keep_default_na=False,
            cache_dir=cache,
            keep_in_memory=True,
        )
    if numeric_column is None or numeric_column not in header:
        return table
    parsed = [_json_array(text, row) for row, text in enumerate(table[numeric_column])]
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
    """Read a JSON-lines file."""
    with tempfile.TemporaryDirectory() as cache, quiet_progress():
        return Dataset.from_json(
            str(_existing(path)), cache_dir=cache, keep_in_memory=True
        )


def write_parquet(case_set: CaseSet, path: str | Path) -> None:
    """Write a Parquet file."""
    with quiet_progress():
        case_table(case_set, label_names=True).to_parquet(str(path))


def read_parquet(path: str | Path) -> Dataset:
    """Read a Parquet file."""
    with tempfile.TemporaryDirectory() as cache, quiet_progress():
        return Dataset.from_parquet(
            str(_existing(path)), cache_dir=cache, keep_in_memory=True
        )


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


def _json_array(text: str, row: int) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(
            f"row {row}: input {text[:40]!r} is not a JSON array; numeric inputs "
            "in a CSV are JSON arrays such as [[0.0, 0.5], [1.0, 0.25]]"
        ) from None


def _existing(path: str | Path) -> Path:
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"no case set file at {path}")
    return path
