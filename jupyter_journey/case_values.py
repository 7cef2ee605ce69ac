"""One case sample's values: how each is checked, keyed and written as JSON.

Pure functions over plain values, shared by ``CaseSet`` and its file readers;
each error names the bad value and what would be accepted.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from typing import Any, Literal, get_args

import numpy as np

from . import case_files

LARGEST_WEIGHT = float(np.finfo(np.float32).max)

Source = Literal["uploaded", "manual", "test"]
SOURCES: tuple[str, ...] = get_args(Source)


def input_json(value: np.ndarray | str) -> Any:
    return value if isinstance(value, str) else value.tolist()


def input_key(value: np.ndarray | str) -> bytes:
    if isinstance(value, str):
        return b"t" + value.encode()
    # Adding 0 turns -0.0 into 0.0, so that equal numbers give equal keys.
    return b"a" + (value + np.float32(0)).tobytes()


def is_empty(value: Any) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    try:
        return bool(np.size(value) == 0)
    except ValueError:  # ragged nesting: not empty; the encoder names the shape
        return False


def checked_weight(value: Any) -> float:
    if not case_files.is_present(value):
        raise ValueError(
            f"weight is empty ({value!r}); use a finite number >= 0 (a table "
            "without a weight column weighs every row 1)"
        )
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise ValueError(f"weight {value!r} is not a number; use a finite number >= 0")
    weight = float(value)
    if not math.isfinite(weight) or weight < 0:
        raise ValueError(f"weight {value!r} is not accepted; use a finite number >= 0")
    if weight > LARGEST_WEIGHT:
        # Training holds weights in float32; only their ratios matter.
        raise ValueError(
            f"weight {value!r} is beyond {LARGEST_WEIGHT:.3g}, the largest float32 "
            "training holds; weights count only relative to each other, so scale "
            "them down"
        )
    return weight


def whole_number(value: Any, name: str) -> int:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ValueError(f"{name} {value!r} is not accepted; use a whole number >= 0")
    return int(value)


def provenance(record: dict[str, Any]) -> dict[str, Any]:
    source = record.get("source") or "uploaded"
    if source not in SOURCES:
        raise ValueError(f"source {source!r} is not known; use one of {SOURCES}")
    values: dict[str, Any] = {"source": source}
    for name in ("test_index", "node_id"):
        if case_files.is_present(record.get(name)):
            values[name] = whole_number(record[name], name)
    if case_files.is_present(record.get("predicted")):
        values["predicted"] = str(record["predicted"])
    if case_files.is_present(record.get("confidence")):
        confidence = float(record["confidence"])
        if not 0 <= confidence <= 1:
            raise ValueError(
                f"confidence {confidence!r} is not a probability in [0, 1]"
            )
        values["confidence"] = confidence
    return values


def label_id(label_names: Sequence[str], label: str | int) -> int:
    if isinstance(label, int) and not isinstance(label, bool):
        if not 0 <= label < len(label_names):
            raise ValueError(
                f"label id {label} is out of range; use 0 to {len(label_names) - 1}"
            )
        return label
    if not isinstance(label, str) or label not in label_names:
        raise ValueError(
            f"label {label!r} is not a class name; use one of {list(label_names)}"
        )
    return list(label_names).index(label)
