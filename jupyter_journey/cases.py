"""Case sets: weighted extra training samples, labelled by name, with provenance.

A ``CaseSet`` holds the samples a person curates to steer retraining: each has
an input, a label given by its class name, a weight (how much it counts in the
loss) and where it came from. Labels stay names until the set is encoded for a
journey's data, where they are mapped by name onto the data's label ids, so a
case set that lists its classes in another order still means the same thing.

Every change is checked first and either happens whole or raises, leaving the
set as it was.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from datasets import Dataset

from . import case_files
from ._stack import caller_outside_package
from .case_files import INPUT, LABEL, WEIGHT
from .case_values import (
    Source,
    checked_weight,
    input_json,
    input_key,
    is_empty,
    label_id,
    provenance,
    whole_number,
)
from .data import Encoder, LabelledData, TensorEncoder, TextEncoder
from .metrics import case_result
from .node import CaseResult, Node
from .training import CaseTensors, predict

if TYPE_CHECKING:
    from .journey import Journey


class CaseSetWarning(UserWarning):
    """Something about a case set that is allowed but probably not meant."""


class LeakageWarning(CaseSetWarning):
    """A case sample is identical to a test sample, so test accuracy is inflated."""


class DuplicateSampleWarning(CaseSetWarning):
    """A case sample repeats the input of another case sample."""


@dataclass(frozen=True, eq=False)
class CaseSample:
    """One weighted case sample and where it came from.

    Attributes
    ----------
    id : int
        Stable within its case set: never reused, even after a deletion.
    input : numpy.ndarray or str
        A float32 array of the model's input shape, or a text.
    label : str
        The class name.
    weight : float
        How much the sample counts in the loss; finite and >= 0.
    source : {"uploaded", "manual", "test"}
        Imported from a file, added by hand, or taken from the test split.
    test_index : int or None
        For a test sample, its index in the test split.
    node_id : int or None
        For a test sample, the node whose prediction it was taken from.
    predicted : str or None
        That node's predicted class name.
    confidence : float or None
        That node's probability for its prediction.
    """

    id: int
    input: np.ndarray | str
    label: str
    weight: float
    source: Source = "manual"
    test_index: int | None = None
    node_id: int | None = None
    predicted: str | None = None
    confidence: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The sample as JSON-ready data; a numeric input as nested lists."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["input"] = input_json(self.input)
        return data


@dataclass(frozen=True)
class CasePrediction:
    """What a node predicts for one case sample.

    Attributes
    ----------
    sample_id : int
        The case sample.
    predicted : str
        The predicted class name.
    confidence : float
        The node's probability for that class.
    correct : bool
        Whether it is the sample's label.
    """

    sample_id: int
    predicted: str
    confidence: float
    correct: bool


class CaseSet:
    """Weighted extra training samples with labels by name and provenance.

    Parameters
    ----------
    label_names : sequence of str
        The class names a sample may have.
    encoder : TensorEncoder or TextEncoder
        Checks that each input fits the model (the data's encoder).

    Notes
    -----
    Get one bound to a journey with ``journey.case_set()``: it then also warns
    (``LeakageWarning``) when a sample added by hand or from a file is
    identical to a test sample. Samples taken from the test split on purpose,
    with ``add_test_samples``, carry that provenance and do not warn.

    The identity is a SHA-256 over the canonical JSON (sorted keys, no spaces)
    of each sample's input, label name and weight, in the set's order, which
    is the order samples were added (ids increase). Ids and provenance are not
    part of it: they do not change what is trained. The order is, because the
    order of rows decides which samples share a batch.
    """

    def __init__(self, label_names: Sequence[str], encoder: Encoder) -> None:
        names = tuple(label_names)
        if not names or not all(isinstance(name, str) for name in names):
            raise ValueError(f"label_names must be class names (str), got {names!r}")
        if len(set(names)) != len(names):
            raise ValueError(f"label_names must be distinct, got {list(names)}")
        if not isinstance(encoder, TensorEncoder | TextEncoder):
            raise TypeError(
                f"encoder must be a TensorEncoder or TextEncoder, got {encoder!r}"
            )
        self.label_names: tuple[str, ...] = names
        self.encoder = encoder
        self._samples: dict[int, CaseSample] = {}
        self._next_id = 0
        self._reference: LabelledData | None = None

    @classmethod
    def for_data(
        cls, data: LabelledData, records: Iterable[dict[str, Any]] = ()
    ) -> CaseSet:
        """A case set with ``data``'s labels and encoder, warning of leakage.

        Empty, or holding ``records`` (see ``from_records``).
        """
        case_set = cls.from_records(records, data.label_names, data.encoder)
        case_set._reference = data
        return case_set

    @classmethod
    def from_records(
        cls,
        records: Iterable[dict[str, Any]],
        label_names: Sequence[str],
        encoder: Encoder,
    ) -> CaseSet:
        """Rebuild a case set, ids included, from ``records()`` output."""
        case_set = cls(label_names, encoder)
        samples = []
        for row, record in enumerate(records):
            try:
                sample_id = whole_number(record["id"], "id")
            except KeyError:
                raise ValueError(f"record {row} has no 'id': {record!r}") from None
            samples.append(case_set._checked(sample_id, record, row))
        ids = [sample.id for sample in samples]
        if len(set(ids)) != len(ids):
            raise ValueError(f"record ids must be distinct, got {ids}")
        case_set._samples = {sample.id: sample for sample in samples}
        case_set._next_id = max(ids, default=-1) + 1
        return case_set

    @classmethod
    def from_dataset(
        cls,
        dataset: Dataset,
        label_names: Sequence[str],
        encoder: Encoder,
        *,
        input_column: str = INPUT,
        label_column: str = LABEL,
        weight_column: str = WEIGHT,
    ) -> CaseSet:
        """A new case set holding the rows of ``dataset`` (see ``add_dataset``)."""
        case_set = cls(label_names, encoder)
        case_set.add_dataset(
            dataset,
            input_column=input_column,
            label_column=label_column,
            weight_column=weight_column,
        )
        return case_set

    def __len__(self) -> int:
        return len(self._samples)

    def __iter__(self) -> Iterator[CaseSample]:
        return iter(list(self._samples.values()))

    def __getitem__(self, sample_id: int) -> CaseSample:
        return self._samples[self._known_ids([sample_id])[0]]

    @property
    def ids(self) -> list[int]:
        """Sample ids, in the set's order."""
        return list(self._samples)

    @cached_property
    def identity(self) -> str:
        """Content hash of inputs, labels and weights, in order (see the class)."""
        content = [
            {"input": input_json(s.input), "label": s.label, "weight": s.weight}
            for s in self._samples.values()
        ]
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def add(
        self,
        input: Any,
        label: str,
        weight: float = 1.0,
        *,
        source: Source = "manual",
    ) -> int:
        """Add one sample; returns its id.

        Parameters
        ----------
        input : array-like or str
            Numbers of the model's input shape, or a text.
        label : str
            A class name, one of ``label_names``.
        weight : float
            Finite and >= 0; 1 weighs as much as a training sample.
        source : {"uploaded", "manual", "test"}
            Where the sample came from.
        """
        record = {"input": input, "label": label, "weight": weight, "source": source}
        return self._add([record], numbered=False)[0]

    def add_many(
        self,
        inputs: Sequence[Any],
        labels: Sequence[str],
        weights: Sequence[float] | None = None,
        *,
        source: Source = "manual",
    ) -> list[int]:
        """Add several samples at once, all or none; returns their ids."""
        if weights is None:
            weights = [1.0] * len(labels)
        if not len(inputs) == len(labels) == len(weights):
            raise ValueError(
                f"inputs, labels and weights differ in length: {len(inputs)}, "
                f"{len(labels)}, {len(weights)}"
            )
        records = [
            {"input": x, "label": y, "weight": w, "source": source}
            for x, y, w in zip(inputs, labels, weights, strict=True)
        ]
        return self._add(records)

    def add_test_samples(
        self,
        journey: Journey,
        node: Node | int,
        *,
        indices: Sequence[int] | None = None,
        cell: tuple[str | int, str | int] | None = None,
        weight: float = 1.0,
    ) -> list[int]:
        """Add test samples as ``node`` classified them, with their provenance.

        By default every test sample ``node`` misclassified is added. Pass
        ``indices`` to choose test samples, or ``cell=(true, predicted)`` (class
        names, or label ids) to take one cell of the node's confusion matrix.
        Each sample keeps its true label, its test index, the node, and the
        node's predicted class and confidence. A test index already in the set
        is not added again.

        Returns
        -------
        list of int
            The ids of the samples added.
        """
        if indices is not None and cell is not None:
            raise ValueError("pass indices or cell, not both")
        node_id = node.id if isinstance(node, Node) else journey.node(node).id
        data = journey.data
        predicted, confidence = journey.test_predictions(node_id)
        truth = data.tensors("test")[1]
        chosen = self._test_indices(journey, truth, predicted, indices, cell)
        present = {s.test_index for s in self._samples.values() if s.source == "test"}
        chosen = [index for index in chosen if index not in present]
        inputs = data.splits["test"].select(chosen)[data.input_column]
        records = [
            {
                "input": value,
                "label": data.label_names[int(truth[index])],
                "weight": weight,
                "source": "test",
                "test_index": index,
                "node_id": node_id,
                "predicted": data.label_names[int(predicted[index])],
                "confidence": float(confidence[index]),
            }
            for index, value in zip(chosen, inputs, strict=True)
        ]
        return self._add(records)

    def delete(self, sample_ids: int | Iterable[int]) -> None:
        """Remove samples by id; if an id is unknown, a KeyError and none removed."""
        ids: list[Any] = (
            [sample_ids]
            if isinstance(sample_ids, int | np.integer)
            else list(sample_ids)
        )
        for sample_id in dict.fromkeys(self._known_ids(ids)):
            del self._samples[sample_id]
        self._changed()

    def relabel(self, sample_id: int, label: str) -> None:
        """Give a sample another class name."""
        sample = self[sample_id]
        checked = self._label(label)
        self._samples[sample.id] = dataclasses.replace(sample, label=checked)
        self._changed()

    def reweight(self, sample_id: int, weight: float) -> None:
        """Give a sample another weight (finite, >= 0)."""
        sample = self[sample_id]
        checked = checked_weight(weight)
        self._samples[sample.id] = dataclasses.replace(sample, weight=checked)
        self._changed()

    def encode(self, data: LabelledData) -> CaseTensors:
        """Inputs, label ids and weights as tensors for training on ``data``.

        Labels are mapped by name onto ``data.label_names``; inputs go through
        ``data.encode``, as the training split does.
        """
        ids = {name: index for index, name in enumerate(data.label_names)}
        samples = list(self._samples.values())
        unknown = sorted({s.label for s in samples if s.label not in ids})
        if unknown:
            raise ValueError(
                f"case labels {unknown} are not classes of the data; it has "
                f"{list(data.label_names)}"
            )
        if not samples and isinstance(data.encoder, TensorEncoder):
            inputs = torch.zeros((0, *data.encoder.shape), dtype=torch.float32)
        else:
            inputs = data.encode([s.input for s in samples])
        test_keys = _test_input_keys(data)
        overlap = {test_keys.get(input_key(s.input)) for s in samples} - {None}
        return CaseTensors(
            inputs=inputs,
            labels=torch.tensor([ids[s.label] for s in samples], dtype=torch.int64),
            weights=torch.tensor([s.weight for s in samples], dtype=torch.float32),
            identity=self.identity,
            test_overlap=torch.tensor(sorted(overlap), dtype=torch.int64),
        )

    def records(self) -> list[dict[str, Any]]:
        """Every sample as JSON-ready data, in order (see ``from_records``)."""
        return [sample.to_json() for sample in self._samples.values()]

    def predictions(self, journey: Journey, node: Node | int) -> list[CasePrediction]:
        """What ``node`` predicts for each sample, in order."""
        tensors = self.encode(journey.data)
        predicted, confidence = predict(
            journey.load_model(node), tensors.inputs, torch.device("cpu")
        )
        names = journey.label_names
        return [
            CasePrediction(
                sample_id=sample.id,
                predicted=names[int(label)],
                confidence=float(probability),
                correct=names[int(label)] == sample.label,
            )
            for sample, label, probability in zip(
                self._samples.values(), predicted, confidence, strict=True
            )
        ]

    def evaluate(
        self, journey: Journey, node: Node | int, threshold: float = 1.0
    ) -> CaseResult:
        """Weighted accuracy of ``node`` on this set, and above ``threshold``."""
        tensors = self.encode(journey.data)
        predicted, _ = predict(
            journey.load_model(node), tensors.inputs, torch.device("cpu")
        )
        return case_result(tensors.labels, predicted, tensors.weights, threshold)

    def to_dataset(self) -> Dataset:
        """The samples as a ``datasets.Dataset``, labels as a ``ClassLabel``.

        Columns: ``id``, ``input``, ``label``, ``weight`` and the provenance
        columns ``source``, ``test_index``, ``node_id``, ``predicted`` and
        ``confidence`` (empty where they do not apply).
        """
        return case_files.case_table(self)

    def add_dataset(
        self,
        dataset: Dataset,
        *,
        input_column: str = INPUT,
        label_column: str = LABEL,
        weight_column: str = WEIGHT,
    ) -> list[int]:
        """Add the rows of a ``datasets.Dataset``, all or none; returns their ids.

        The input and label columns are required; labels are class names, or
        a ``ClassLabel`` column, whose names are used. A missing weight column
        weighs every row 1, but an empty cell (None, NaN, empty text) in a
        weight column is refused, naming its row: it is more likely a slip
        than a wish for weight 1. Provenance columns (see ``to_dataset``) are
        kept where present; otherwise rows count as ``"uploaded"``. Ids are
        new.
        """
        rows = case_files.table_rows(dataset, input_column, label_column, weight_column)
        return self._add(rows)

    def to_csv(self, path: str | Path) -> None:
        """Write the samples to a CSV file, labels as names.

        A numeric input is written as a JSON array string, such as
        ``"[[0.0, 0.5], [1.0, 0.25]]"``, a text as it is; an empty cell means
        no provenance value.
        """
        case_files.write_csv(self, path)

    def add_csv(
        self,
        path: str | Path,
        *,
        input_column: str = INPUT,
        label_column: str = LABEL,
        weight_column: str = WEIGHT,
    ) -> list[int]:
        """Add the rows of a CSV file, all or none; see ``add_dataset``.

        Every cell is read as text; inputs are parsed as JSON arrays when the
        encoder takes numbers. A file that is empty, has only a header, or is
        not a CSV file is a ``ValueError`` naming the path; so is a bad row,
        named by its number (0 is the first row under the header).
        """
        numeric = input_column if isinstance(self.encoder, TensorEncoder) else None
        table = case_files.read_csv(path, numeric)
        return self._add_file(table, path, input_column, label_column, weight_column)

    def to_json(self, path: str | Path) -> None:
        """Write the samples as JSON lines, labels as names."""
        case_files.write_json(self, path)

    def add_json(
        self,
        path: str | Path,
        *,
        input_column: str = INPUT,
        label_column: str = LABEL,
        weight_column: str = WEIGHT,
    ) -> list[int]:
        """Add the rows of a JSON-lines file, all or none; see ``add_dataset``.

        A file with no rows, or a line that is not a JSON object, is a
        ``ValueError`` naming the path; so is a bad row, named by its number.
        """
        table = case_files.read_json(path)
        return self._add_file(table, path, input_column, label_column, weight_column)

    def to_parquet(self, path: str | Path) -> None:
        """Write the samples to a Parquet file, labels as names."""
        case_files.write_parquet(self, path)

    def add_parquet(
        self,
        path: str | Path,
        *,
        input_column: str = INPUT,
        label_column: str = LABEL,
        weight_column: str = WEIGHT,
    ) -> list[int]:
        """Add the rows of a Parquet file, all or none; see ``add_dataset``.

        A file that is not Parquet, or holds no rows, is a ``ValueError``
        naming the path; so is a bad row, named by its number.
        """
        table = case_files.read_parquet(path)
        return self._add_file(table, path, input_column, label_column, weight_column)

    def _add_file(
        self,
        table: Dataset,
        path: str | Path,
        input_column: str,
        label_column: str,
        weight_column: str,
    ) -> list[int]:
        with _naming_file(path):
            rows = case_files.table_rows(
                table, input_column, label_column, weight_column
            )
            return self._add(rows)

    def _add(
        self, records: Sequence[dict[str, Any]], numbered: bool = True
    ) -> list[int]:
        # Every public method that adds calls this straight away, so that a
        # warning's stacklevel can name the user's line.
        samples = [
            self._checked(self._next_id + row, record, row if numbered else None)
            for row, record in enumerate(records)
        ]
        self._warn_overlaps(samples)
        self._insert(samples)
        return [sample.id for sample in samples]

    def _checked(
        self, sample_id: int, record: dict[str, Any], row: int | None = None
    ) -> CaseSample:
        try:
            return CaseSample(
                id=sample_id,
                input=self._input(record.get("input")),
                label=self._label(record.get("label")),
                weight=checked_weight(record.get("weight", 1.0)),
                **provenance(record),
            )
        except (TypeError, ValueError) as error:
            if row is None:
                raise
            raise type(error)(f"row {row}: {error}") from None

    def _label(self, label: Any) -> str:
        if not isinstance(label, str) or label not in self.label_names:
            raise ValueError(
                f"label {label!r} is not a class name; use one of "
                f"{list(self.label_names)}"
            )
        return label

    def _input(self, value: Any) -> np.ndarray | str:
        if isinstance(self.encoder, TextEncoder):
            if isinstance(value, str) and not value.strip():
                raise ValueError(f"input {value!r} is empty; a case sample needs text")
            self.encoder.encode([value])
            return str(value)
        if is_empty(value):
            raise ValueError(f"input {value!r} is empty; a case sample needs numbers")
        array = self.encoder.encode([value])[0].numpy().copy()
        array.setflags(write=False)
        return array

    def _known_ids(self, ids: Sequence[Any]) -> list[int]:
        unknown = [
            i
            for i in ids
            if isinstance(i, bool)
            or not isinstance(i, int | np.integer)
            or int(i) not in self._samples
        ]
        if unknown:
            raise KeyError(
                f"no case sample(s) with id {unknown}; the ids are {self.ids[:20]}"
                + (" …" if len(self) > 20 else "")
            )
        return [int(i) for i in ids]

    def _insert(self, samples: list[CaseSample]) -> None:
        for sample in samples:
            self._samples[sample.id] = sample
        self._next_id = max([self._next_id - 1, *(s.id for s in samples)]) + 1
        self._changed()

    def _changed(self) -> None:
        self.__dict__.pop("identity", None)

    def _warn_overlaps(self, samples: list[CaseSample]) -> None:
        seen = {input_key(s.input) for s in self._samples.values()}
        repeated = []
        for sample in samples:
            key = input_key(sample.input)
            if key in seen:
                repeated.append(sample.id)
            seen.add(key)
        if repeated:
            warnings.warn(
                f"{len(repeated)} new case sample(s) repeat the input of another "
                f"case sample (new ids {repeated[:10]}); each copy counts in the "
                "loss with its own weight",
                DuplicateSampleWarning,
                stacklevel=caller_outside_package(),
            )
        if self._reference is None:
            return
        test_keys = self._test_keys
        # Taking misclassified test samples is the method's own workflow, and
        # still a leak: say so, once per call, whatever the samples' source.
        leaked = [
            test_keys[input_key(s.input)]
            for s in samples
            if input_key(s.input) in test_keys
        ]
        if leaked:
            warnings.warn(
                f"{len(leaked)} case sample(s) are identical to test samples (test "
                f"indices {leaked[:10]}): nodes trained with them are scored on "
                "samples they learned from, so their test accuracy no longer "
                "measures unseen data; read held_out_accuracy in their case "
                "results instead",
                LeakageWarning,
                stacklevel=caller_outside_package(),
            )

    @cached_property
    def _test_keys(self) -> dict[bytes, int]:
        assert self._reference is not None
        return _test_input_keys(self._reference)

    def _test_indices(
        self,
        journey: Journey,
        truth: torch.Tensor,
        predicted: torch.Tensor,
        indices: Sequence[int] | None,
        cell: tuple[str | int, str | int] | None,
    ) -> list[int]:
        size = int(truth.shape[0])
        if indices is not None:
            bad = [
                i
                for i in indices
                if isinstance(i, bool)
                or not isinstance(i, int | np.integer)
                or not 0 <= i < size
            ]
            if bad:
                raise ValueError(
                    f"test indices {bad[:10]} are out of range; use 0 to {size - 1}"
                )
            return list(dict.fromkeys(int(i) for i in indices))
        if cell is None:
            return torch.nonzero(truth != predicted).flatten().tolist()
        true_id, predicted_id = (label_id(journey.label_names, c) for c in cell)
        hits = (truth == true_id) & (predicted == predicted_id)
        return torch.nonzero(hits).flatten().tolist()

    def __repr__(self) -> str:
        return (
            f"<CaseSet {len(self)} samples, labels {list(self.label_names)}, "
            f"identity {self.identity[:12]}>"
        )


@contextmanager
def _naming_file(path: str | Path) -> Iterator[None]:
    """Put the file's path in front of a row's error, so it says where to look."""
    try:
        yield
    except (TypeError, ValueError) as error:
        if type(error) not in (TypeError, ValueError):
            raise
        raise type(error)(f"{path}, {error}") from None


def _test_input_keys(data: LabelledData) -> dict[bytes, int]:
    """Each test sample's input key, mapped to its index in the test split."""
    values: Sequence[np.ndarray | str]
    if isinstance(data.encoder, TextEncoder):
        values = [str(text) for text in data.splits["test"][data.input_column]]
    else:
        values = list(data.tensors("test")[0].numpy())
    return {input_key(value): index for index, value in enumerate(values)}
