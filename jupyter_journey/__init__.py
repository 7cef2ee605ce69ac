"""Model training as a visible, branchable journey of saved, evaluated nodes.

Start with ``Journey.create`` (digits by default), grow it with
``journey.train``, and watch it with ``JourneyWidget(journey)`` in a notebook.
"""

from .cases import (
    CaseSample,
    CaseSet,
    CaseSetWarning,
    DuplicateSampleWarning,
    LeakageWarning,
)
from .compare import NodeComparison, compare_nodes
from .data import (
    LabelledData,
    TensorEncoder,
    TextEncoder,
    load_digits_data,
    load_news_data,
)
from .events import NodeAdded, RunEnded, RunProgress, RunStarted
from .journey import Journey
from .lock import JourneyBusyError
from .models import BagOfWordsClassifier, MLPClassifier, ModelSpec
from .node import CaseResult, Compute, Node, Position, TestResult
from .parents import (
    EarliestCreated,
    HighestAccuracy,
    HighestAccuracyAboveWeight,
    HighestCaseAccuracy,
    ParentChoice,
    ParentRule,
    StartNodeIfPoor,
    choose_parent,
)
from .run import TrainingRun
from .stop import EveryNEpochs, EveryNIterations, StopCondition, TimeBudget
from .store import DamagedNodeError, DamagedNodeWarning, NotAJourneyError
from .strategy import LearningStrategy
from .training import TrainingDiverged
from .widget import JourneyWidget

__version__ = "0.1.0"

__all__ = [
    "BagOfWordsClassifier",
    "CaseResult",
    "CaseSample",
    "CaseSet",
    "CaseSetWarning",
    "Compute",
    "DamagedNodeError",
    "DamagedNodeWarning",
    "DuplicateSampleWarning",
    "EarliestCreated",
    "EveryNEpochs",
    "EveryNIterations",
    "HighestAccuracy",
    "HighestAccuracyAboveWeight",
    "HighestCaseAccuracy",
    "Journey",
    "JourneyBusyError",
    "JourneyWidget",
    "LabelledData",
    "LeakageWarning",
    "LearningStrategy",
    "MLPClassifier",
    "ModelSpec",
    "Node",
    "NodeAdded",
    "NodeComparison",
    "NotAJourneyError",
    "ParentChoice",
    "ParentRule",
    "Position",
    "RunEnded",
    "RunProgress",
    "RunStarted",
    "StartNodeIfPoor",
    "StopCondition",
    "TensorEncoder",
    "TestResult",
    "TextEncoder",
    "TimeBudget",
    "TrainingDiverged",
    "TrainingRun",
    "__version__",
    "choose_parent",
    "compare_nodes",
    "load_digits_data",
    "load_news_data",
]
