"""The training loop: from a parent node, train and cut a node at each stop condition.

One loop reads top to bottom. Training state that a faithful resume needs
(parameters, optimizer, random generators, place in the data order, learning
rate step) is saved with every node, so that training from a node continues
exactly as if it had never paused: on the CPU, bit for bit.

The batch order is a pure function of (seed, epoch, number of samples), so a
node needs only its epoch and offset to know which samples come next.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from .checkpoint import (
    build_without_randomness,
    load_model_tensors,
    random_checkpoint,
    restore_optimizer,
    restore_random,
    save_node,
)
from .events import EventHub, RunProgress
from .metrics import case_result, held_out_accuracy, score_predictions
from .node import Compute, Node, Position, TestResult
from .stop import SegmentProgress, StopCondition
from .store import JourneyStore
from .strategy import LearningStrategy

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.2  # seconds between progress events, so a display keeps up
EVAL_BATCH = 1024


@dataclass(frozen=True)
class TrainingData:
    """The tensors one run trains on: the second data set, weights included.

    ``identity`` names this content: the first data set's identity, or for a
    retraining with cases a hash of that and the case set's identity.
    """

    inputs: torch.Tensor
    labels: torch.Tensor
    weights: torch.Tensor
    identity: str

    def __len__(self) -> int:
        return int(self.labels.shape[0])


@dataclass(frozen=True)
class CaseTensors:
    """An encoded case set: inputs, label ids, weights, and its identity.

    ``test_overlap`` holds the test indices of samples whose input is also a
    case sample's: a node trained on them is no longer blind to them.
    """

    inputs: torch.Tensor
    labels: torch.Tensor
    weights: torch.Tensor
    identity: str
    test_overlap: torch.Tensor = field(
        default_factory=lambda: torch.empty(0, dtype=torch.int64)
    )


class TrainingDiverged(ArithmeticError):
    """The parameters became NaN or infinite; the run ends without saving them."""


def second_data_set(
    inputs: torch.Tensor,
    labels: torch.Tensor,
    first_identity: str,
    cases: CaseTensors | None,
) -> TrainingData:
    """The training split, plus the case samples when there are any.

    Training rows weigh 1; case rows weigh what the case set says.
    """
    weights = torch.ones(labels.shape[0], dtype=torch.float32)
    if cases is None or cases.labels.numel() == 0:
        return TrainingData(inputs, labels, weights, first_identity)
    identity = hashlib.sha256(f"{first_identity}+{cases.identity}".encode()).hexdigest()
    return TrainingData(
        torch.cat([inputs, cases.inputs]),
        torch.cat([labels, cases.labels]),
        torch.cat([weights, cases.weights.to(torch.float32)]),
        identity,
    )


def sample_order(seed: int, epoch: int, size: int) -> torch.Tensor:
    """The order of ``size`` samples in ``epoch``: a pure function of its inputs."""
    key = hashlib.sha256(f"{seed}:{epoch}:{size}".encode()).digest()
    generator = torch.Generator().manual_seed(int.from_bytes(key[:8], "little"))
    return torch.randperm(size, generator=generator)


def weighted_loss(
    logits: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor
) -> torch.Tensor | None:
    """``sum(w * loss) / sum(w)`` over the batch; None when the weights sum to 0.

    Weights are scaled by their largest first, which leaves the value as it is
    (and all-ones weights exactly as they are) but keeps huge finite weights
    from overflowing the sums.
    """
    largest = weights.max() if weights.numel() else weights.new_zeros(())
    if largest <= 0:
        return None
    scaled = weights / largest
    losses = F.cross_entropy(logits, labels, reduction="none")
    return (losses * scaled).sum() / scaled.sum()


def predict(
    model: nn.Module, inputs: torch.Tensor, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """Predicted class and its softmax probability for every input.

    The model is evaluated in eval mode, so BatchNorm statistics do not move
    and dropout draws no random numbers, and is put back in the mode it was in.
    """
    was_training = model.training
    model.eval()
    predictions, confidences = [], []
    try:
        with torch.inference_mode():
            for start in range(0, inputs.shape[0], EVAL_BATCH):
                batch = inputs[start : start + EVAL_BATCH].to(device)
                probabilities = torch.softmax(model(batch).float(), dim=1)
                confidence, predicted = probabilities.max(dim=1)
                predictions.append(predicted.cpu())
                confidences.append(confidence.cpu())
    finally:
        model.train(was_training)
    if not predictions:
        return torch.empty(0, dtype=torch.int64), torch.empty(0)
    return torch.cat(predictions), torch.cat(confidences)


def estimate_flops(
    build: Callable[[], nn.Module], inputs: torch.Tensor
) -> tuple[float, float]:
    """FLOPs per sample of a training step and of an evaluation, by torch's counter.

    Counted on the meta device: no memory, no random numbers, no effect on the
    real model. Layers the counter does not know count as zero, so this is an
    estimate from below; 0 where the model cannot run on the meta device.
    """
    batch = inputs[:2].to("meta")
    try:
        with torch.device("meta"):
            model = build()
        with FlopCounterMode(display=False) as counter:
            logits = model(batch)
        forward = counter.get_total_flops()
        with FlopCounterMode(display=False) as counter:
            logits = model(batch)
            target = torch.zeros(batch.shape[0], dtype=torch.int64, device="meta")
            torch.autograd.backward(F.cross_entropy(logits, target))
        train = counter.get_total_flops()
    except Exception as error:  # the estimate is optional, training is not
        logger.info("no FLOP estimate for this model on the meta device: %s", error)
        return 0.0, 0.0
    return train / batch.shape[0], forward / batch.shape[0]


class Trainer:
    """Trains a model from a parent node, cutting a node at each stop condition.

    Everything that can fail on bad input is checked in the constructor, on the
    caller's thread; ``run`` then only trains.
    """

    def __init__(
        self,
        *,
        store: JourneyStore,
        build_model: Callable[[], nn.Module],
        parent: Node,
        data: TrainingData,
        test: tuple[torch.Tensor, torch.Tensor],
        num_classes: int,
        strategy: LearningStrategy,
        stop: StopCondition,
        seed: int,
        device: torch.device,
        run_id: str,
        hub: EventHub,
        cases: CaseTensors | None = None,
        weight_threshold: float = 1.0,
    ) -> None:
        self.store = store
        self.parent = parent
        self.data = data
        self.test_inputs, self.test_labels = test
        self.num_classes = num_classes
        self.strategy = strategy
        self.stop = stop
        self.seed = seed
        self.device = device
        self.run_id = run_id
        self.hub = hub
        self.cases = cases
        self.weight_threshold = weight_threshold
        self._build_model = build_model

        saved_state = store.training_state(parent.id)
        tensors = store.tensors(parent.id)
        self.model = build_without_randomness(build_model)
        load_model_tensors(self.model, tensors, saved_state["ties"])
        self.model.to(device).train()
        self.optimizer = strategy.build_optimizer(self.model.parameters())
        self.position = self._starting_position()
        if (
            saved_state["optimizer"]
            and parent.strategy["optimizer"] == strategy.optimizer
        ):
            optimizer_tensors = {
                k: v for k, v in tensors.items() if k.startswith("optimizer.")
            }
            restore_optimizer(
                self.optimizer, optimizer_tensors, saved_state["optimizer"]
            )
            strategy.apply_to(self.optimizer)
        self._random = (
            {k: v for k, v in tensors.items() if k.startswith("rng.")},
            saved_state["random"],
        )
        self._flops_train, self._flops_eval = estimate_flops(build_model, data.inputs)

    def _starting_position(self) -> Position:
        position = self.parent.position
        same_strategy = self.parent.strategy == self.strategy.to_json()
        origin = position.schedule_origin if same_strategy else position.iteration
        if self.parent.dataset_id != self.data.identity:
            # The data changed, so the parent's place in its order means nothing
            # here: start this data's order at the beginning of the epoch.
            return Position(position.iteration, position.epoch, 0, origin)
        return Position(position.iteration, position.epoch, position.offset, origin)

    def run(self, nodes: int | None, should_stop: Callable[[], bool]) -> Iterator[Node]:
        """Train, yielding each node once it is saved, until ``nodes`` are made.

        ``should_stop`` is polled after every iteration; when it turns true the
        run saves a node where it stands and ends. Global random states are the
        journey's during the run and the caller's again afterwards.
        """
        callers_random = random_checkpoint()
        restore_random(*self._random)
        try:
            yield from self._train(nodes, should_stop)
        finally:
            restore_random(*callers_random)

    def _train(
        self, nodes: int | None, should_stop: Callable[[], bool]
    ) -> Iterator[Node]:
        parent = self.parent
        position = self.position
        made = 0
        size = len(self.data)
        inputs, labels, weights = self.data.inputs, self.data.labels, self.data.weights
        order = sample_order(self.seed, position.epoch, size)
        # Progress is reported on a clock of its own, across nodes, so that runs
        # whose nodes come faster than the interval still report.
        last_report = time.perf_counter()
        while nodes is None or made < nodes:
            segment = SegmentProgress()
            wall, cpu = time.perf_counter(), time.process_time()
            loss_value: float | None = None
            stopped = False
            while not self.stop.reached(segment):
                if should_stop():
                    stopped = True
                    break
                batch = order[
                    position.offset : position.offset + self.strategy.batch_size
                ]
                x, y, w = (t[batch].to(self.device) for t in (inputs, labels, weights))

                # One step, at the learning rate the schedule gives this step.
                lr = self.strategy.lr_at(position.iteration - position.schedule_origin)
                for group in self.optimizer.param_groups:
                    group["lr"] = lr
                loss = weighted_loss(self.model(x), y, w)
                if loss is not None:
                    self.optimizer.zero_grad(set_to_none=True)
                    torch.autograd.backward(loss)
                    self.optimizer.step()

                # Advance the place in the data order, wrapping into a new epoch.
                offset, epoch, epochs = position.offset + len(batch), position.epoch, 0
                if offset >= size:
                    offset, epoch, epochs = 0, epoch + 1, 1
                    order = sample_order(self.seed, epoch, size)
                position = Position(
                    position.iteration + 1, epoch, offset, position.schedule_origin
                )
                now = time.perf_counter()
                segment = SegmentProgress(
                    segment.iterations + 1,
                    segment.epochs + epochs,
                    now - wall,
                    segment.samples + len(batch),
                )

                if now - last_report >= PROGRESS_INTERVAL:
                    last_report = now
                    loss_value = loss.detach().item() if loss is not None else None
                    self._report(position, made, segment, loss_value)
            if segment.iterations == 0:
                return
            self._check_finite(parent, position)
            stop_record = (
                {"kind": "manual", "then": self.stop.to_json()}
                if stopped
                else self.stop.to_json()
            )
            node = self._cut_node(parent, position, segment, stop_record, wall, cpu)
            yield node
            parent = node
            made += 1
            if stopped:
                return

    def _check_finite(self, parent: Node, position: Position) -> None:
        """Refuse to save a model whose parameters have become NaN or infinite."""
        broken = [
            name
            for name, tensor in self.model.state_dict().items()
            if tensor.is_floating_point() and not torch.isfinite(tensor).all()
        ]
        if broken:
            raise TrainingDiverged(
                f"training diverged between iteration {parent.iteration} (node "
                f"#{parent.id}) and {position.iteration}: {', '.join(broken[:5])} "
                "hold NaN or infinite values, so no node was saved. Train again "
                f"from #{parent.id} with a lower learning rate, or check the "
                "model's forward and the inputs"
            )

    def _report(
        self,
        position: Position,
        made: int,
        segment: SegmentProgress,
        loss: float | None,
    ) -> None:
        self.hub.publish(
            RunProgress(
                run_id=self.run_id,
                iteration=position.iteration,
                nodes_done=made,
                segment_done=segment.iterations,
                segment_total=self.stop.total_iterations(),
                loss=loss,
            )
        )

    def _evaluate(self) -> tuple[TestResult, torch.Tensor, torch.Tensor]:
        predicted, confidence = predict(self.model, self.test_inputs, self.device)
        result = score_predictions(self.test_labels, predicted, self.num_classes)
        if self.cases is not None:
            case_predicted, _ = predict(self.model, self.cases.inputs, self.device)
            case = case_result(
                self.cases.labels,
                case_predicted,
                self.cases.weights,
                self.weight_threshold,
            )
            overlap = self.cases.test_overlap
            if overlap.numel():
                accuracy, n = held_out_accuracy(self.test_labels, predicted, overlap)
                case = replace(
                    case,
                    test_overlap=int(overlap.numel()),
                    held_out_accuracy=accuracy,
                    held_out_n=n,
                )
            result = replace(result, case=case)
        return result, predicted, confidence

    def _cut_node(
        self,
        parent: Node,
        position: Position,
        segment: SegmentProgress,
        stop_record: dict[str, Any],
        wall: float,
        cpu: float,
    ) -> Node:
        result, predicted, confidence = self._evaluate()
        evaluated = self.test_labels.numel() + (
            self.cases.labels.numel() if self.cases is not None else 0
        )
        compute = Compute(
            wall_seconds=time.perf_counter() - wall,
            cpu_seconds=time.process_time() - cpu,
            samples=segment.samples,
            flops=segment.samples * self._flops_train + evaluated * self._flops_eval,
            device=str(self.device),
        )
        return save_node(
            self.store,
            model=self.model,
            optimizer=self.optimizer,
            parent_id=parent.id,
            position=position,
            dataset_id=self.data.identity,
            case_set_id=self.cases.identity if self.cases is not None else None,
            strategy=self.strategy,
            stop=stop_record,
            test=result,
            compute=compute,
            run_id=self.run_id,
            predictions=(predicted, confidence),
        )
