"""The node: one saved, evaluated model state in a journey, and what it records.

Everything here is plain data that turns into JSON and back, so that a journey
can be read, drawn and compared without building its model or loading a tensor.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

NodeKind = Literal["start", "trained"]


@dataclass(frozen=True)
class CaseResult:
    """How a node does on the case set it was retrained with.

    Attributes
    ----------
    n : int
        Number of case samples.
    weighted_accuracy : float or None
        Sum of the weights of correctly classified case samples over the sum of
        all their weights; None when the weights sum to zero.
    effective_n : float
        Kish's effective sample size, ``sum(w) ** 2 / sum(w ** 2)``.
    interval : tuple of float or None
        Wilson 95% interval of the weighted accuracy at the effective n.
    threshold : float
        The weight a case sample must exceed to count in ``above_threshold``.
    above_threshold_accuracy : float or None
        Plain accuracy on the case samples whose weight exceeds ``threshold``.
    above_threshold_n : int
        How many case samples that is.
    test_overlap : int
        Test samples whose input is also a case sample's: the node trained on
        them, so its test accuracy overstates how it does on unseen data.
    held_out_accuracy : float or None
        Test accuracy on the other test samples, the honest figure when
        ``test_overlap`` is not zero; None when there is no overlap.
    held_out_n : int
        How many test samples that is (0 when there is no overlap).
    """

    n: int
    weighted_accuracy: float | None
    effective_n: float
    interval: tuple[float, float] | None
    threshold: float
    above_threshold_accuracy: float | None
    above_threshold_n: int
    test_overlap: int = 0
    held_out_accuracy: float | None = None
    held_out_n: int = 0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaseResult:
        interval = data["interval"]
        return cls(**{**data, "interval": tuple(interval) if interval else None})


@dataclass(frozen=True)
class TestResult:
    """A node's evaluation on the test samples of the first data set.

    Attributes
    ----------
    n : int
        Number of test samples.
    correct : int
        How many of them the node classified correctly.
    accuracy : float or None
        ``correct / n``; None when there are no test samples.
    interval : tuple of float or None
        Wilson 95% interval of the accuracy; None when ``n`` is zero.
    per_class : list of float or None
        Accuracy (recall) of each class in label order; None for a class with
        no test sample.
    per_class_n : list of int
        Test samples of each class, in label order.
    confusion : list of list of int
        K×K confusion matrix in label order: row is the true class, column the
        predicted one.
    case : CaseResult or None
        Results on the case set, for nodes trained with one.
    """

    __test__ = False  # a data class, not a pytest test class

    n: int
    correct: int
    accuracy: float | None
    interval: tuple[float, float] | None
    per_class: list[float | None]
    per_class_n: list[int]
    confusion: list[list[int]]
    case: CaseResult | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TestResult:
        interval = data["interval"]
        case = data.get("case")
        return cls(
            **{
                **data,
                "interval": tuple(interval) if interval else None,
                "case": CaseResult.from_json(case) if case else None,
            }
        )


@dataclass(frozen=True)
class Compute:
    """Compute a node consumed since its parent.

    Attributes
    ----------
    wall_seconds : float
        Elapsed time, training and evaluation together.
    cpu_seconds : float
        CPU time of the whole process over the same span.
    samples : int
        Training samples that went through the model.
    flops : float
        Estimated floating-point operations of training and evaluation, from
        ``torch.utils.flop_counter`` on one batch.
    device : str
        Where the work ran, such as ``"cpu"`` or ``"cuda:0"``.
    """

    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    samples: int = 0
    flops: float = 0.0
    device: str = "cpu"


@dataclass(frozen=True)
class Position:
    """Where training stands: enough, with the tensors, to continue exactly.

    Attributes
    ----------
    iteration : int
        Optimizer iterations done along the node's lineage.
    epoch : int
        The epoch the next batch comes from.
    offset : int
        Index, in that epoch's sample order, of the next sample to train on.
    schedule_origin : int
        The iteration at which the current learning strategy began; the
        learning rate is a function of ``iteration - schedule_origin``.
    """

    iteration: int = 0
    epoch: int = 0
    offset: int = 0
    schedule_origin: int = 0


@dataclass(frozen=True)
class Node:
    """One state of the model in a journey.

    Attributes
    ----------
    id : int
        Unique within the journey; larger ids were created later.
    parent_id : int or None
        The node training continued from; None for the start node.
    kind : {"start", "trained"}
        The start node holds the untrained model; every other node was cut by
        a stop condition.
    created_at : datetime
        When the node was saved, in UTC.
    position : Position
        Iteration, epoch and place in the data order.
    dataset_id : str
        Content identity of the data the node was trained on: the first data
        set's, or for a retrained node the first data set's plus its case set's.
    case_set_id : str or None
        Content identity of the case set it was trained with, if any.
    strategy : dict
        The learning strategy in force (see ``LearningStrategy``).
    stop : dict
        The stop condition that cut the node, as JSON.
    test : TestResult
        Evaluation on the test samples.
    compute : Compute
        Compute consumed since the parent.
    run_id : str or None
        The training run that made it.
    """

    id: int
    parent_id: int | None
    kind: NodeKind
    created_at: datetime
    position: Position
    dataset_id: str
    case_set_id: str | None
    strategy: dict[str, Any]
    stop: dict[str, Any]
    test: TestResult
    compute: Compute = field(default_factory=Compute)
    run_id: str | None = None

    @property
    def accuracy(self) -> float | None:
        """Test accuracy, the figure a node is judged by at a glance."""
        return self.test.accuracy

    @property
    def iteration(self) -> int:
        """Optimizer iterations done along the node's lineage."""
        return self.position.iteration

    def to_json(self) -> dict[str, Any]:
        """The node as JSON-ready data, with the time in ISO 8601."""
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Node:
        """Rebuild a node from ``to_json`` output."""
        return cls(
            **{
                **data,
                "created_at": datetime.fromisoformat(data["created_at"]),
                "position": Position(**data["position"]),
                "test": TestResult.from_json(data["test"]),
                "compute": Compute(**data["compute"]),
            }
        )
