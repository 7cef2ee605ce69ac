"""A node's full training state: what is saved so training continues exactly.

Parameters (one copy of each tied tensor), optimizer state, and the Python,
NumPy, torch and CUDA generator states, split into tensors for safetensors and
JSON for the rest. ``save_node`` gathers them and hands them to the store.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from .node import Compute, Node, Position, TestResult
from .store import JourneyStore
from .strategy import LearningStrategy

logger = logging.getLogger(__name__)


def model_tensors(model: nn.Module) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """The model's state as ``model.*`` tensors with one copy of each tied tensor.

    Returns the tensors and the ties, ``{alias: name stored}``; loading fills
    an alias from the tensor it is tied to.
    """
    tensors: dict[str, torch.Tensor] = {}
    ties: dict[str, str] = {}
    seen: dict[tuple[int, int, tuple[int, ...]], str] = {}
    for name, tensor in model.state_dict().items():
        key = (
            tensor.untyped_storage().data_ptr(),
            tensor.storage_offset(),
            tuple(tensor.shape),
        )
        if key in seen and tensor.numel() > 0:
            ties[name] = seen[key]
            continue
        seen[key] = name
        tensors[f"model.{name}"] = tensor
    return tensors, ties


def load_model_tensors(
    model: nn.Module, tensors: dict[str, torch.Tensor], ties: dict[str, str]
) -> None:
    """Load ``model.*`` tensors into ``model``, refusing anything partial."""
    state = {
        name[len("model.") :]: t
        for name, t in tensors.items()
        if name.startswith("model.")
    }
    for alias, stored in ties.items():
        state[alias] = state[stored]
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong_shape = [
        f"{name}: saved {tuple(state[name].shape)}, model {tuple(expected[name].shape)}"
        for name in expected
        if name in state and state[name].shape != expected[name].shape
    ]
    if missing or unexpected or wrong_shape:
        raise ValueError(
            "the node's parameters do not fit this model: "
            f"missing {missing}, unexpected {unexpected}, wrong shape {wrong_shape}. "
            "Build the model with the journey's own class and hyper-parameters"
        )
    model.load_state_dict(state)


def optimizer_checkpoint(
    optimizer: torch.optim.Optimizer | None,
) -> tuple[dict[str, torch.Tensor], dict[str, Any] | None]:
    """Optimizer state split into ``optimizer.*`` tensors and JSON for the rest."""
    if optimizer is None:
        return {}, None
    state_dict = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for index, values in state_dict["state"].items():
        for key, value in values.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optimizer.{index}.{key}"] = value
            else:
                scalars.setdefault(str(index), {})[key] = value
    return tensors, {"param_groups": state_dict["param_groups"], "scalars": scalars}


def restore_optimizer(
    optimizer: torch.optim.Optimizer,
    tensors: dict[str, torch.Tensor],
    saved: dict[str, Any],
) -> None:
    """Load what ``optimizer_checkpoint`` split, into a fresh optimizer."""
    state: dict[int, dict[str, Any]] = {}
    for name, tensor in tensors.items():
        _, index, key = name.split(".", 2)
        state.setdefault(int(index), {})[key] = tensor
    for index, values in saved["scalars"].items():
        state.setdefault(int(index), {}).update(values)
    optimizer.load_state_dict({"state": state, "param_groups": saved["param_groups"]})


def random_checkpoint() -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Python, NumPy, torch and CUDA generator states: tensors and JSON."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    tensors = {
        "rng.torch": torch.random.get_rng_state(),
        "rng.numpy": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
    }
    if torch.cuda.is_available():
        for index, cuda_state in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"rng.cuda.{index}"] = cuda_state
    version, internal, gauss = random.getstate()
    state = {
        "python": [version, list(internal), gauss],
        "numpy": {"kind": kind, "pos": pos, "has_gauss": has_gauss, "cached": cached},
    }
    return tensors, state


def restore_random(tensors: dict[str, torch.Tensor], state: dict[str, Any]) -> None:
    """Put back the generator states ``random_checkpoint`` saved."""
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    numpy_state = state["numpy"]
    np.random.set_state(
        (
            numpy_state["kind"],
            tensors["rng.numpy"].numpy().astype(np.uint32),
            numpy_state["pos"],
            numpy_state["has_gauss"],
            numpy_state["cached"],
        )
    )
    torch.random.set_rng_state(tensors["rng.torch"])
    cuda_states = [tensors[k] for k in sorted(tensors) if k.startswith("rng.cuda.")]
    if cuda_states and torch.cuda.is_available():
        if len(cuda_states) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda_states)
        else:
            logger.warning(
                "node saved %d CUDA generator states, this machine has %d GPUs; "
                "CUDA random numbers will differ",
                len(cuda_states),
                torch.cuda.device_count(),
            )


def seeded_random_state(seed: int) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The generator states of a fresh start from ``seed``, leaving the caller's."""
    saved = random_checkpoint()
    try:
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        return random_checkpoint()
    finally:
        restore_random(*saved)


def build_without_randomness(build: Callable[[], nn.Module]) -> nn.Module:
    """Build a model whose parameters will be overwritten, leaving the generators.

    Initialising layers draws random numbers; drawing them from the caller's
    generators would change what the caller's code does next.
    """
    with torch.random.fork_rng(devices=[]):
        return build()


def save_node(
    store: JourneyStore,
    *,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None,
    parent_id: int | None,
    position: Position,
    dataset_id: str,
    case_set_id: str | None,
    strategy: LearningStrategy,
    stop: dict[str, Any],
    test: TestResult,
    compute: Compute,
    run_id: str | None,
    predictions: tuple[torch.Tensor, torch.Tensor],
    random_state: tuple[dict[str, torch.Tensor], dict[str, Any]] | None = None,
    test_labels: torch.Tensor | None = None,
) -> Node:
    """Gather a node's full training state and write it to the store."""
    tensors, ties = model_tensors(model)
    optimizer_tensors, optimizer_state = optimizer_checkpoint(optimizer)
    random_tensors, random_json = random_state or random_checkpoint()
    predicted, confidence = predictions
    tensors.update(optimizer_tensors)
    tensors.update(random_tensors)
    tensors["eval.predictions"] = predicted.to(torch.int64)
    tensors["eval.confidence"] = confidence.to(torch.float32)
    if test_labels is not None:
        tensors["eval.labels"] = test_labels.to(torch.int64)
    return store.add_node(
        parent_id=parent_id,
        kind="start" if parent_id is None else "trained",
        position=position,
        dataset_id=dataset_id,
        case_set_id=case_set_id,
        strategy=strategy.to_json(),
        stop=stop,
        test=test,
        compute=compute,
        run_id=run_id,
        tensors=tensors,
        training_state={
            "ties": ties,
            "optimizer": optimizer_state,
            "random": random_json,
        },
    )
