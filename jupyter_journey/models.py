"""Models: how a journey names its model so it can be rebuilt without pickle.

A journey stores a model as a ``ModelSpec``: the import path of a
``torch.nn.Module`` subclass plus the keyword arguments (the structure
parameters) it is built with. Parameter values live in each node's safetensors
file. Opening a journey builds nothing; a model is built only to train or to
load a node's parameters, only from a ``torch.nn.Module`` class, and only from
a module this process has already imported: a journey's record never makes it
import code.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn


@dataclass(frozen=True)
class ModelSpec:
    """A model class by import path, and the keyword arguments that build it.

    Parameters
    ----------
    factory : str
        ``"package.module:ClassName"``. Classes defined in a notebook live in
        ``__main__`` and can be rebuilt only in a kernel that defines them too,
        or by passing the class to ``Journey.open(..., model=...)``.
    hyperparameters : dict
        JSON-ready keyword arguments for the class.
    """

    factory: str
    hyperparameters: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls, model_class: type[nn.Module], hyperparameters: dict[str, Any]
    ) -> ModelSpec:
        """The spec of ``model_class(**hyperparameters)``, checked to be storable."""
        if not (isinstance(model_class, type) and issubclass(model_class, nn.Module)):
            raise TypeError(
                f"model must be a torch.nn.Module subclass, got {model_class!r}; "
                "pass the class and its keyword arguments as hyperparameters"
            )
        try:
            json.dumps(hyperparameters)
        except TypeError as error:
            raise ValueError(
                f"hyperparameters must be JSON values (numbers, strings, lists, "
                f"dicts), got {hyperparameters!r}: {error}"
            ) from None
        path = f"{model_class.__module__}:{model_class.__qualname__}"
        return cls(path, dict(hyperparameters))

    def resolve(self) -> type[nn.Module]:
        """Find the class this spec names among the modules already imported.

        A journey's record never makes this process import anything: a name
        in someone else's journey could otherwise run whatever module of that
        name lies on the path. Import the model's module first, or pass the
        class to ``Journey.open(folder, model=...)``.
        """
        module_name, _, qualname = self.factory.partition(":")
        module = sys.modules.get(module_name)
        if module is None:
            raise LookupError(
                f"this journey's model is {self.factory!r}, and module "
                f"{module_name!r} is not imported; opening a journey never imports "
                f"code it names. Run `import {module_name}` first if you trust it, "
                "or pass the class with Journey.open(folder, model=...)"
            )
        found: Any = module
        for part in qualname.split("."):
            found = getattr(found, part, None)
        if not (isinstance(found, type) and issubclass(found, nn.Module)):
            raise LookupError(
                f"{self.factory!r} does not name a torch.nn.Module subclass here; "
                "define it in this kernel, or pass it with "
                "Journey.open(folder, model=...)"
            )
        return found

    def build(self, model_class: type[nn.Module] | None = None) -> nn.Module:
        """A new model with these hyper-parameters, of ``model_class`` if given."""
        return (model_class or self.resolve())(**self.hyperparameters)

    def to_json(self) -> dict[str, Any]:
        return {"factory": self.factory, "hyperparameters": self.hyperparameters}


class MLPClassifier(nn.Module):
    """A multi-layer perceptron over flattened inputs: the digits default.

    Parameters
    ----------
    in_features : int
        Input values per sample after flattening (64 for 8×8 digits).
    classes : int
        Number of classes.
    hidden : int
        Width of the hidden layer.
    dropout : float
        Dropout after the hidden layer.
    """

    def __init__(
        self, in_features: int, classes: int, hidden: int = 128, dropout: float = 0.0
    ) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(in_features, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.net(x)
        return logits


class BagOfWordsClassifier(nn.Module):
    """Mean of learned word embeddings, then a linear layer: the text default.

    Inputs are token ids padded with 0, as ``TextEncoder`` makes them.

    Parameters
    ----------
    vocabulary_size : int
        Number of token ids, padding included.
    classes : int
        Number of classes.
    dim : int
        Embedding width.
    """

    def __init__(self, vocabulary_size: int, classes: int, dim: int = 64) -> None:
        super().__init__()
        self.embedding = nn.EmbeddingBag(
            vocabulary_size, dim, mode="mean", padding_idx=0
        )
        self.head = nn.Linear(dim, classes)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.head(self.embedding(tokens))
        return logits
