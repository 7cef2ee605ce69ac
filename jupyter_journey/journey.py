"""The journey: a tree of saved, evaluated model states for one task.

``Journey.create`` sets the model, its initial parameters, its structure
parameters and its learning strategy, and saves the start node.
``Journey.train`` grows the tree from any node, in the background.
``Journey.open`` reads a journey back, in any kernel, building no model and
running no code from the folder.
"""

from __future__ import annotations

import logging
import math
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from numbers import Integral
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .cases import CaseSet
from .checkpoint import (
    build_without_randomness,
    load_model_tensors,
    save_node,
    seeded_random_state,
)
from .compare import NodeComparison, compare_nodes
from .data import LabelledData, TextEncoder, load_digits_data, load_from_source
from .events import EventHub, Listener
from .lock import JourneyBusyError, TrainingLock
from .metrics import score_predictions
from .models import BagOfWordsClassifier, MLPClassifier, ModelSpec
from .node import Compute, Node, Position
from .parents import ParentRule, RuleLike, choose_parent
from .run import TrainingRun
from .stop import EveryNIterations, StopCondition
from .store import JourneyStore
from .strategy import LearningStrategy
from .training import Trainer, predict, second_data_set
from .tree import render_text

logger = logging.getLogger(__name__)


class Journey:
    """A tree of nodes for one model family and one labelled data set.

    Do not call the constructor; use ``Journey.create`` or ``Journey.open``.
    """

    def __init__(
        self,
        store: JourneyStore,
        data: LabelledData | None = None,
        model: type[nn.Module] | None = None,
    ) -> None:
        self._store = store
        self._meta = store.meta()
        self._data = data
        self._model_class = model
        self._hub = EventHub()
        self._run_lock = threading.Lock()
        self._active_run: TrainingRun | None = None
        self._training_lock: TrainingLock | None = None

    @classmethod
    def create(
        cls,
        folder: str | Path,
        data: LabelledData | None = None,
        model: type[nn.Module] | None = None,
        hyperparameters: dict[str, Any] | None = None,
        strategy: LearningStrategy | None = None,
        seed: int = 0,
    ) -> Journey:
        """Start a journey in a new folder and save its start node.

        Parameters
        ----------
        folder : str or Path
            Where the journey lives; must be missing or empty.
        data : LabelledData, optional
            The first data set; scikit-learn's digits by default.
        model : type of torch.nn.Module, optional
            The model class. By default an ``MLPClassifier`` for numeric inputs
            and a ``BagOfWordsClassifier`` for text, sized to the data.
        hyperparameters : dict, optional
            Keyword arguments that build ``model`` (its structure parameters).
        strategy : LearningStrategy, optional
            Optimizer, learning rate and batch size; Adam at 1e-3 by default.
        seed : int
            Seeds the initial parameters, the random generators and the order
            of the training samples.

        Everything is checked before anything is written: bad input raises and
        leaves ``folder`` as it was.
        """
        folder = JourneyStore.new_folder(folder)
        if data is None:
            data = load_digits_data()
        if not isinstance(data, LabelledData):
            raise TypeError(
                f"data must be a LabelledData (see LabelledData.from_dataset), "
                f"got {type(data).__name__}"
            )
        if (
            isinstance(seed, bool)
            or not isinstance(seed, Integral)
            or not 0 <= seed < 2**63
        ):
            raise ValueError(f"seed must be a whole number in [0, 2**63), got {seed!r}")
        seed = int(seed)
        if hyperparameters is not None and not isinstance(hyperparameters, dict):
            raise TypeError(
                "hyperparameters must be a dict of keyword arguments for the model, "
                f"got {hyperparameters!r}"
            )
        strategy = strategy or LearningStrategy()
        if not isinstance(strategy, LearningStrategy):
            raise TypeError(f"strategy must be a LearningStrategy, got {strategy!r}")
        model, hyperparameters = _default_model(data, model, hyperparameters)
        spec = ModelSpec.of(model, hyperparameters)
        network = _initial_model(spec, model, seed)
        test_inputs, test_labels = data.tensors("test")
        _check_outputs(network, test_inputs, len(data.label_names))
        predicted, confidence = predict(network, test_inputs, torch.device("cpu"))

        meta = {
            "name": folder.name,
            "created_at": datetime.now(UTC).isoformat(),
            "model": spec.to_json(),
            "data": data.describe(),
            "seed": seed,
        }
        store = JourneyStore.create(folder, meta)
        save_node(
            store,
            model=network,
            optimizer=None,
            parent_id=None,
            position=Position(),
            dataset_id=data.identity,
            case_set_id=None,
            strategy=strategy,
            stop={"kind": "start"},
            test=score_predictions(test_labels, predicted, len(data.label_names)),
            compute=Compute(),
            run_id=None,
            predictions=(predicted, confidence),
            random_state=seeded_random_state(seed),
            test_labels=test_labels,
        )
        return cls(store, data, model)

    @classmethod
    def open(
        cls,
        folder: str | Path,
        data: LabelledData | None = None,
        model: type[nn.Module] | None = None,
    ) -> Journey:
        """Open a journey saved in ``folder``.

        Reading nodes needs nothing else. To train, the journey needs its data
        (reloaded by itself for the digits and news loaders, else pass
        ``data``) and its model class: found by name among the modules this
        process has imported (opening never imports anything), else pass
        ``model``. Passed data must be the same content the journey was made
        with.
        """
        store = JourneyStore.open(folder)
        journey = cls(store, None, model)
        if data is not None:
            journey._check_data(data)
            journey._data = data
        return journey

    @property
    def folder(self) -> Path:
        """The folder the journey lives in."""
        return self._store.folder

    @property
    def name(self) -> str:
        """A short name for displays: the folder's name."""
        return str(self._meta["name"])

    @property
    def label_names(self) -> tuple[str, ...]:
        """Class names in label order."""
        return tuple(self._meta["data"]["label_names"])

    @property
    def seed(self) -> int:
        """The seed of initial parameters, generators and sample order."""
        return int(self._meta["seed"])

    @property
    def model_spec(self) -> ModelSpec:
        """The model class path and hyper-parameters."""
        return ModelSpec(**self._meta["model"])

    @property
    def data(self) -> LabelledData:
        """The first data set, loaded again from its source on first use."""
        if self._data is None:
            data = load_from_source(self._meta["data"]["source"])
            self._check_data(data)
            self._data = data
        return self._data

    @property
    def active_run(self) -> TrainingRun | None:
        """The run training now, if any."""
        return self._active_run

    def nodes(self) -> list[Node]:
        """Every node, in the order they were created."""
        return self._store.nodes()

    def node(self, node_id: int) -> Node:
        """The node with ``node_id``."""
        return self._store.node(node_id)

    @property
    def start_node(self) -> Node:
        """The untrained node the journey began with."""
        # By its id, so that a damaged start node says what is wrong with it.
        return self._store.node(self._store.start_node_id())

    @property
    def latest_node(self) -> Node:
        """The node created last."""
        return self.nodes()[-1]

    def children(self, node: Node | int) -> list[Node]:
        """The nodes trained from ``node``, oldest first."""
        node_id = node.id if isinstance(node, Node) else node
        return [n for n in self.nodes() if n.parent_id == node_id]

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every journey event; returns an unsubscriber.

        The listener runs on the training thread, so it must be quick.
        """
        return self._hub.subscribe(listener)

    def train(
        self,
        stop: StopCondition | None = None,
        nodes: int | None = 5,
        *,
        parent: Node | int | RuleLike | None = None,
        strategy: LearningStrategy | None = None,
        case_set: CaseSet | None = None,
        weight_threshold: float = 1.0,
        device: str | torch.device = "auto",
        on_node: Callable[[Node], None] | None = None,
    ) -> TrainingRun:
        """Train from ``parent`` in the background, saving a node at each stop.

        Parameters
        ----------
        stop : StopCondition, optional
            When to cut a node; ``EveryNIterations(100)`` by default.
        nodes : int or None
            How many nodes to make; None trains until ``run.stop()``.
        parent : Node, int or ParentRule, optional
            The node to continue from, or a rule that chooses it (see
            ``jupyter_journey.parents``; its reason becomes
            ``run.parent_reason``); the latest node by default.
        strategy : LearningStrategy, optional
            A new learning strategy; the parent's by default, continuing its
            learning-rate schedule. A new one starts its schedule afresh.
        case_set : CaseSet, optional
            Weighted extra samples: training then runs on the second data set,
            the training split plus these, and nodes report case results.
        weight_threshold : float
            Case samples weighing more than this are scored apart.
        device : str or torch.device
            ``"auto"`` takes a GPU when there is one.
        on_node : callable, optional
            Called with each node once it is saved, on the training thread.

        Returns
        -------
        TrainingRun
            Returned at once; iterate it for nodes as they come.
        """
        stop = stop if stop is not None else EveryNIterations(100)
        if not isinstance(stop, StopCondition):
            raise TypeError(
                "stop must be a stop condition such as EveryNIterations(100), "
                f"got {stop!r}"
            )
        if nodes is not None and (
            isinstance(nodes, bool) or not isinstance(nodes, int) or nodes < 1
        ):
            raise ValueError(
                f"nodes must be a whole number >= 1 or None, got {nodes!r}"
            )
        if isinstance(weight_threshold, bool) or not (
            isinstance(weight_threshold, int | float)
            and math.isfinite(weight_threshold)
        ):
            raise ValueError(
                f"weight_threshold must be a finite number, got {weight_threshold!r}"
            )
        if isinstance(parent, type):
            raise TypeError(
                f"parent={parent.__name__} is a class; pass a rule made from it, "
                f"such as {parent.__name__}()"
            )
        if case_set is not None and not isinstance(case_set, CaseSet):
            raise TypeError(
                f"case_set must be a CaseSet (see journey.case_set()), got {case_set!r}"
            )
        chosen_device = _device(device)
        reason = None
        if isinstance(parent, ParentRule) or callable(parent):
            parent, reason = choose_parent(self, parent)
        start_from = self._resolve_parent(parent)
        strategy = strategy or LearningStrategy.from_json(start_from.strategy)
        if not isinstance(strategy, LearningStrategy):
            raise TypeError(f"strategy must be a LearningStrategy, got {strategy!r}")
        data = self.data
        # An empty case set adds nothing: the run trains on the first data set
        # alone, exactly as without one.
        has_cases = case_set is not None and len(case_set) > 0
        cases = case_set.encode(data) if case_set is not None and has_cases else None
        training = second_data_set(*data.tensors("train"), data.identity, cases)
        with self._run_lock:
            if self._active_run is not None:
                raise JourneyBusyError(
                    f"run {self._active_run.run_id[:8]} is still training; stop it "
                    "with journey.active_run.stop() or wait for it to end"
                )
            lock = TrainingLock(self.folder)
            lock.acquire()
            try:
                trainer = Trainer(
                    store=self._store,
                    build_model=self._build_model,
                    parent=start_from,
                    data=training,
                    test=data.tensors("test"),
                    num_classes=len(self.label_names),
                    strategy=strategy,
                    stop=stop,
                    seed=self.seed,
                    device=chosen_device,
                    run_id=uuid.uuid4().hex,
                    hub=self._hub,
                    cases=cases,
                    weight_threshold=float(weight_threshold),
                )
                if case_set is not None and cases is not None:
                    self._store.save_case_set(cases.identity, case_set.records())
            except BaseException:
                lock.release()
                raise
            run = TrainingRun(
                trainer, nodes, self._hub, on_node, self._run_ended, reason
            )
            self._active_run, self._training_lock = run, lock
        return run.start()

    def load_model(self, node: Node | int) -> nn.Module:
        """A new model holding ``node``'s parameters, on the CPU, in eval mode."""
        node_id = node.id if isinstance(node, Node) else node
        model = build_without_randomness(self._build_model)
        tensors = self._store.tensors(node_id, "model.")
        load_model_tensors(model, tensors, self._store.training_state(node_id)["ties"])
        return model.eval()

    def test_labels(self) -> torch.Tensor:
        """The true label id of every test sample, as saved with the start node.

        Saved in the journey, so comparing nodes needs no data set loaded.
        """
        return self._store.tensors(self.start_node.id, "eval.labels")["eval.labels"]

    def test_predictions(self, node: Node | int) -> tuple[torch.Tensor, torch.Tensor]:
        """The class ``node`` predicted for each test sample, and its probability."""
        node_id = node.id if isinstance(node, Node) else node
        tensors = self._store.tensors(node_id, "eval.")
        return tensors["eval.predictions"], tensors["eval.confidence"]

    def case_set(self, identity: str | None = None) -> CaseSet:
        """A case set for this journey's labels and inputs, warning of leakage.

        Empty by default; with ``identity`` (a node's ``case_set_id``), the
        case set that node was trained with, as it was saved.
        """
        if identity is None:
            return CaseSet.for_data(self.data)
        return CaseSet.for_data(self.data, self._store.case_set_samples(identity))

    def compare(self, before: Node | int, after: Node | int) -> NodeComparison:
        """Compare two nodes on the test samples (see ``compare_nodes``)."""
        return compare_nodes(self, before, after)

    def tree_text(self) -> str:
        """The tree drawn in text, each node with its accuracy."""
        return render_text(self.nodes())

    def _build_model(self) -> nn.Module:
        return self.model_spec.build(self._model_class)

    def _resolve_parent(self, parent: object) -> Node:
        if parent is None:
            return self.latest_node
        if isinstance(parent, Node):
            stored = next((n for n in self.nodes() if n.id == parent.id), None)
            if stored != parent:
                created = parent.created_at.isoformat(timespec="seconds")
                raise ValueError(
                    f"node #{parent.id} (created {created}) is not a node of the "
                    f"journey in {self.folder}; pass one of its own nodes or a node id"
                )
            assert stored is not None
            return stored
        if isinstance(parent, int) and not isinstance(parent, bool):
            return self.node(parent)
        raise TypeError(
            "parent must be a Node, a node id or a parent rule such as "
            f"HighestAccuracy(), got {parent!r}"
        )

    def _check_data(self, data: LabelledData) -> None:
        recorded = self._meta["data"]["identity"]
        if data.identity != recorded:
            raise ValueError(
                f"this data's identity is {data.identity[:12]}…, but the journey was "
                f"made with {recorded[:12]}…: pass the same samples, labels and split"
            )

    def _run_ended(self, run: TrainingRun) -> None:
        with self._run_lock:
            if self._active_run is run:
                self._active_run = None
                if self._training_lock is not None:
                    self._training_lock.release()
                    self._training_lock = None

    def __repr__(self) -> str:
        nodes = self.nodes()
        best = max((n.accuracy for n in nodes if n.accuracy is not None), default=None)
        best_text = "n/a" if best is None else f"{best:.4f}"
        return f"<Journey {self.name!r}: {len(nodes)} nodes, best accuracy {best_text}>"


def _default_model(
    data: LabelledData,
    model: type[nn.Module] | None,
    hyperparameters: dict[str, Any] | None,
) -> tuple[type[nn.Module], dict[str, Any]]:
    if model is not None:
        return model, dict(hyperparameters or {})
    classes = len(data.label_names)
    if isinstance(data.encoder, TextEncoder):
        defaults = {"vocabulary_size": data.encoder.size, "classes": classes}
        return BagOfWordsClassifier, {**defaults, **(hyperparameters or {})}
    defaults = {"in_features": math.prod(data.encoder.shape), "classes": classes}
    return MLPClassifier, {**defaults, **(hyperparameters or {})}


def _initial_model(spec: ModelSpec, model: type[nn.Module], seed: int) -> nn.Module:
    # Seed the initial parameters without touching the caller's generators.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        try:
            network = spec.build(model)
        except Exception as error:  # any failure of the user's constructor
            raise ValueError(
                f"could not build {spec.factory} with hyperparameters "
                f"{spec.hyperparameters}: {type(error).__name__}: {error}"
            ) from None
    if not any(p.requires_grad and p.numel() for p in network.parameters()):
        raise ValueError(
            f"{spec.factory} has no trainable parameters (none, or all with "
            "requires_grad=False); a journey needs something to train"
        )
    return network


def _check_outputs(model: nn.Module, inputs: torch.Tensor, classes: int) -> None:
    with torch.random.fork_rng(devices=[]):
        model.eval()
        try:
            with torch.inference_mode():
                logits = model(inputs[:2])
        except Exception as error:
            raise ValueError(
                f"the model fails on inputs of shape {tuple(inputs.shape[1:])} "
                f"from the data: {error}"
            ) from None
        finally:
            model.train()
    if not isinstance(logits, torch.Tensor):
        raise ValueError(
            f"the model's forward returns {type(logits).__name__}; it must return "
            f"one tensor of logits, shape (batch, {classes})"
        )
    if not logits.is_floating_point():
        raise ValueError(
            f"the model's forward returns {logits.dtype} logits; return floating "
            "point logits (cross-entropy needs them)"
        )
    if not torch.isfinite(logits).all():
        raise ValueError(
            "the model's forward returns NaN or infinite logits for the first "
            "samples of the data, before any training; check its forward"
        )
    if tuple(logits.shape) != (min(2, inputs.shape[0]), classes):
        raise ValueError(
            f"the model outputs shape {tuple(logits.shape[1:])} per sample; the data "
            f"has {classes} classes, so it must output ({classes},)"
        )


def _device(device: str | torch.device) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        chosen = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(
            f"device {device!r} is not known to torch ({error}); use 'auto', 'cpu' "
            "or 'cuda'"
        ) from None
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device {device!r} asks for a GPU, but torch sees none here; use "
            "'auto' or 'cpu'"
        )
    return chosen
