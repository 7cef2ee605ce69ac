"""The first data set: labelled samples split into training and test, as tensors.

A ``LabelledData`` wraps a ``datasets.DatasetDict`` with a ``train`` and a
``test`` split, names the input column and the ``ClassLabel`` column, and
carries the encoder that turns inputs into the tensors a model sees. Its
identity is a hash of that content, so it is the same across kernel restarts
and changes whenever a sample, a label or the split changes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import torch
from datasets import Array2D, ClassLabel, Dataset, DatasetDict, Features

from .tables import quiet_progress, read_text_csv

TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
PAD, UNKNOWN = 0, 1


class TensorEncoder:
    """Numeric inputs of one fixed shape, as float32 tensors (images, features)."""

    kind = "tensor"

    def __init__(self, shape: Sequence[int]) -> None:
        self.shape = tuple(int(size) for size in shape)

    def encode(self, values: Any) -> torch.Tensor:
        """Stack ``values`` into a float32 tensor of shape ``(len(values), *shape)``."""
        try:
            array = np.asarray(values, dtype=np.float32)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"inputs must be numbers of shape {self.shape}: {error}"
            ) from None
        if array.shape[1:] != self.shape:
            raise ValueError(
                f"inputs have shape {array.shape[1:]} per sample; the model takes "
                f"{self.shape}"
            )
        if not np.isfinite(array).all():
            raise ValueError("inputs hold NaN or infinite values; use finite numbers")
        return torch.from_numpy(array)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "shape": list(self.shape)}


class TextEncoder:
    """Texts as padded token ids over a vocabulary fitted on the training split.

    Id 0 pads, id 1 stands for a word outside the vocabulary; the vocabulary
    holds the most frequent lower-case words, ties broken alphabetically.
    """

    kind = "text"

    def __init__(self, vocabulary: Sequence[str], max_tokens: int = 64) -> None:
        self.vocabulary = list(vocabulary)
        self.max_tokens = int(max_tokens)
        self._ids = {word: i + 2 for i, word in enumerate(self.vocabulary)}

    @classmethod
    def fit(
        cls, texts: Sequence[str], max_vocabulary: int = 20_000, max_tokens: int = 64
    ) -> TextEncoder:
        """A vocabulary of the ``max_vocabulary`` commonest words in ``texts``."""
        for row, text in enumerate(texts):
            if not isinstance(text, str):
                raise ValueError(
                    f"text inputs must be strings; row {row} holds {text!r}. "
                    "Drop or fill the rows without text first"
                )
        counts = Counter(word for text in texts for word in TOKEN.findall(text.lower()))
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return cls([word for word, _ in ranked[:max_vocabulary]], max_tokens)

    @property
    def size(self) -> int:
        """Number of token ids, padding and unknown included."""
        return len(self.vocabulary) + 2

    def encode(self, values: Any) -> torch.Tensor:
        """Token ids of shape ``(len(values), max_tokens)``, padded with 0."""
        tokens = torch.zeros((len(values), self.max_tokens), dtype=torch.int64)
        for row, text in enumerate(values):
            if not isinstance(text, str):
                raise ValueError(f"text inputs must be strings, got {text!r}")
            ids = [self._ids.get(w, UNKNOWN) for w in TOKEN.findall(text.lower())]
            ids = ids[: self.max_tokens] or [UNKNOWN]
            tokens[row, : len(ids)] = torch.tensor(ids)
        return tokens

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "vocabulary": self.vocabulary,
            "max_tokens": self.max_tokens,
        }


Encoder = TensorEncoder | TextEncoder


def encoder_from_json(data: dict[str, Any]) -> Encoder:
    """Rebuild an encoder from its ``to_json`` form."""
    if data.get("kind") == "tensor":
        return TensorEncoder(data["shape"])
    if data.get("kind") == "text":
        return TextEncoder(data["vocabulary"], data["max_tokens"])
    raise ValueError(f"encoder kind {data.get('kind')!r} is not 'tensor' or 'text'")


class LabelledData:
    """The first data set of a journey: train and test splits with class labels.

    Build it with ``LabelledData.from_dataset`` (or ``load_digits_data`` and
    ``load_news_data``), which check the columns.
    """

    def __init__(
        self,
        splits: DatasetDict,
        input_column: str,
        label_column: str,
        encoder: Encoder,
        source: dict[str, Any],
    ) -> None:
        self.splits = splits
        self.input_column = input_column
        self.label_column = label_column
        self.encoder = encoder
        self.source = source
        self.label_names: tuple[str, ...] = tuple(
            splits["train"].features[label_column].names
        )

    @classmethod
    def from_dataset(
        cls,
        dataset: Dataset | DatasetDict,
        input_column: str | None = None,
        label_column: str = "label",
        test_size: float = 0.2,
        seed: int = 0,
        encoder: Encoder | None = None,
        source: dict[str, Any] | None = None,
    ) -> LabelledData:
        """Check a data set and split it, stratified by label, if not split yet.

        Parameters
        ----------
        dataset : datasets.Dataset or datasets.DatasetDict
            One table, or a dict with ``train`` and ``test`` splits.
        input_column : str, optional
            The model's input; by default the one column besides the label.
        label_column : str
            A ``datasets.ClassLabel`` column.
        test_size : float
            Share of samples held out for testing, when ``dataset`` is one table.
        seed : int
            Seed of the stratified split.
        encoder : TensorEncoder or TextEncoder, optional
            By default text columns get a ``TextEncoder`` fitted on the training
            split, numeric ones a ``TensorEncoder`` of their shape.
        source : dict, optional
            How to load the same data again (recorded in the journey).
        """
        splits = _as_splits(dataset, label_column, test_size, seed)
        train = splits["train"]
        present = sorted(train.unique(label_column))
        if len(present) < 2:
            names = [train.features[label_column].names[i] for i in present]
            raise ValueError(
                f"the 'train' split holds only class(es) {names}; a classifier "
                "needs samples of at least 2 classes to learn from"
            )
        input_column = _input_column(train, input_column, label_column)
        for name, split in splits.items():
            if len(split) == 0:
                raise ValueError(f"the {name!r} split is empty; it needs samples")
        if encoder is None:
            encoder = _fit_encoder(train, input_column)
        return cls(
            splits, input_column, label_column, encoder, source or {"kind": "user"}
        )

    def encode(self, inputs: Any) -> torch.Tensor:
        """Inputs as the tensor the model takes; a clear error for a wrong shape."""
        return self.encoder.encode(inputs)

    def tensors(self, split: str) -> tuple[torch.Tensor, torch.Tensor]:
        """``(inputs, labels)`` of ``"train"`` or ``"test"``, encoded."""
        return self._tensors[split]

    @cached_property
    def _tensors(self) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        tensors = {}
        for name in ("train", "test"):
            table = self.splits[name].with_format("numpy")[:]
            labels = torch.from_numpy(np.asarray(table[self.label_column], np.int64))
            tensors[name] = (self.encode(table[self.input_column]), labels)
        return tensors

    @cached_property
    def identity(self) -> str:
        """Content hash of labels, encoder and both splits' encoded samples."""
        digest = hashlib.sha256()
        header = {"labels": self.label_names, "encoder": self.encoder.to_json()}
        digest.update(json.dumps(header, sort_keys=True).encode())
        for name in ("train", "test"):
            for tensor in self.tensors(name):
                digest.update(name.encode())
                digest.update(str(tuple(tensor.shape)).encode())
                digest.update(tensor.contiguous().numpy().tobytes())
        return digest.hexdigest()

    def describe(self) -> dict[str, Any]:
        """What a journey records about its data: enough to find and check it."""
        return {
            "source": self.source,
            "input_column": self.input_column,
            "label_column": self.label_column,
            "label_names": list(self.label_names),
            "encoder": self.encoder.to_json(),
            "identity": self.identity,
            "sizes": {name: len(split) for name, split in self.splits.items()},
        }

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(split)}" for name, split in self.splits.items())
        return (
            f"LabelledData({sizes}, input={self.input_column!r}, "
            f"labels={list(self.label_names)}, identity={self.identity[:12]})"
        )


def load_digits_data(test_size: float = 0.2, seed: int = 0) -> LabelledData:
    """scikit-learn's 1,797 real 8×8 digit images, scaled to [0, 1], split 80/20."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    features = Features(
        {
            "image": Array2D(shape=(8, 8), dtype="float32"),
            "label": ClassLabel(names=[str(digit) for digit in range(10)]),
        }
    )
    table = Dataset.from_dict(
        {"image": (digits.images / 16.0).astype(np.float32), "label": digits.target},
        features=features,
    )
    source = {"kind": "digits", "test_size": test_size, "seed": seed}
    return LabelledData.from_dataset(
        table, "image", test_size=test_size, seed=seed, source=source
    )


def load_news_data(
    path: str | Path,
    test_size: float = 0.2,
    seed: int = 0,
    max_vocabulary: int = 20_000,
    max_tokens: int = 64,
) -> LabelledData:
    """News items from a CSV with ``text`` and ``label`` (class names) columns."""
    path = Path(path).expanduser().resolve()
    table = read_text_csv(
        path,
        what="news CSV",
        expected="a news CSV has a header row text,label and a row per item",
        readers={},
    )
    missing = {"text", "label"} - set(table.column_names)
    if missing:
        raise ValueError(
            f"{path} lacks column(s) {sorted(missing)}; it has {table.column_names}"
        )
    unlabelled = [row for row, label in enumerate(table["label"]) if not label]
    if unlabelled:
        raise ValueError(
            f"{path}: row(s) {unlabelled[:10]} have no label; give every item a "
            "class name or drop those rows"
        )
    if not isinstance(table.features["label"], ClassLabel):
        with quiet_progress():
            table = table.class_encode_column("label")
    source = {
        "kind": "news_csv",
        "path": str(path),
        "test_size": test_size,
        "seed": seed,
        "max_vocabulary": max_vocabulary,
        "max_tokens": max_tokens,
    }
    splits = _as_splits(table, "label", test_size, seed)
    encoder = TextEncoder.fit(splits["train"]["text"], max_vocabulary, max_tokens)
    return LabelledData.from_dataset(splits, "text", encoder=encoder, source=source)


def load_from_source(source: dict[str, Any]) -> LabelledData:
    """Load data again from what a journey recorded, where it knows how."""
    kind = source.get("kind")
    if kind == "digits":
        return load_digits_data(source["test_size"], source["seed"])
    if kind == "news_csv":
        options = {k: v for k, v in source.items() if k not in ("kind", "path")}
        return load_news_data(source["path"], **options)
    raise LookupError(
        "this journey's data came from your own code; pass it again with "
        "Journey.open(folder, data=...)"
    )


def _as_splits(
    dataset: Dataset | DatasetDict, label_column: str, test_size: float, seed: int
) -> DatasetDict:
    if isinstance(dataset, DatasetDict):
        if set(dataset) >= {"train", "test"}:
            splits = DatasetDict(train=dataset["train"], test=dataset["test"])
            for name, split in splits.items():
                _check_label_column(split, label_column, name)
            train_names = splits["train"].features[label_column].names
            test_names = splits["test"].features[label_column].names
            if train_names != test_names:
                raise ValueError(
                    f"the splits name their classes differently: train {train_names}, "
                    f"test {test_names}; cast both to one ClassLabel"
                )
            return splits
        if set(dataset) != {"train"}:
            raise ValueError(
                f"a DatasetDict needs 'train' and 'test' splits (or only 'train' to "
                f"split here), got {sorted(dataset)}"
            )
        dataset = dataset["train"]
    if not isinstance(dataset, Dataset):
        raise TypeError(
            "data must be a datasets.Dataset or DatasetDict, "
            f"got {type(dataset).__name__}"
        )
    _check_label_column(dataset, label_column, "data")
    if isinstance(test_size, bool) or not (
        isinstance(test_size, float | int) and 0 < test_size < 1
    ):
        raise ValueError(f"test_size must be between 0 and 1, got {test_size!r}")
    if len(dataset) < 2:
        raise ValueError(
            f"the data set has {len(dataset)} sample(s); it needs at least 2"
        )
    try:
        return dataset.train_test_split(
            test_size=test_size, stratify_by_column=label_column, seed=seed
        )
    except ValueError as error:
        raise ValueError(
            f"cannot hold out test_size={test_size} of {len(dataset)} samples "
            f"stratified by {label_column!r}: {str(error).rstrip('.')}. Every "
            "class needs samples on both sides: use a larger test_size, more "
            "samples, or pass a DatasetDict with your own train and test splits"
        ) from None


def _check_label_column(dataset: Dataset, label_column: str, name: str) -> None:
    if label_column not in dataset.column_names:
        raise ValueError(
            f"the data set has no label column {label_column!r}; its columns are "
            f"{dataset.column_names}. Pass label_column=... naming the labels"
        )
    feature = dataset.features[label_column]
    if not isinstance(feature, ClassLabel):
        raise TypeError(
            f"label column {label_column!r} is {feature!r}, not a datasets.ClassLabel; "
            f"convert it with dataset.class_encode_column({label_column!r})"
        )
    if feature.num_classes < 2:
        raise ValueError(
            f"label column {label_column!r} names {feature.num_classes} class(es), "
            f"{feature.names}; classification needs at least 2"
        )
    column = dataset.with_format("arrow", columns=[label_column])[:][label_column]
    if column.null_count:
        raise ValueError(
            f"{column.null_count} row(s) of the {name!r} labels are empty (None); "
            f"drop them first, e.g. dataset.filter(lambda row: row[{label_column!r}] "
            "is not None)"
        )
    labels = column.to_numpy()
    bad = labels[(labels < 0) | (labels >= feature.num_classes)]
    outside = sorted(set(bad.tolist()))
    if outside:
        raise ValueError(
            f"the {name!r} labels hold {outside[:5]}, not class ids "
            f"0..{feature.num_classes - 1} (-1 means 'no label'); drop those rows "
            f"first, e.g. dataset.filter(lambda row: row[{label_column!r}] >= 0)"
        )


def _input_column(dataset: Dataset, input_column: str | None, label_column: str) -> str:
    others = [name for name in dataset.column_names if name != label_column]
    if input_column is None:
        if len(others) != 1:
            raise ValueError(
                f"cannot tell the input column among {others}; pass input_column=..."
            )
        return str(others[0])
    if input_column not in others:
        raise ValueError(
            f"the data set has no input column {input_column!r}; choose one of {others}"
        )
    return input_column


def _fit_encoder(train: Dataset, input_column: str) -> Encoder:
    feature = train.features[input_column]
    if getattr(feature, "dtype", None) in ("string", "large_string"):
        return TextEncoder.fit(train[input_column])
    sample = np.asarray(train.with_format("numpy")[:1][input_column])
    if sample.dtype == object or not np.issubdtype(sample.dtype, np.number):
        raise TypeError(
            f"input column {input_column!r} is {feature!r}; use text or numbers of "
            "one fixed shape, or pass encoder=..."
        )
    return TensorEncoder(sample.shape[1:])
