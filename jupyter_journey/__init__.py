"""Model training as a visible, branchable journey of saved, evaluated nodes.

Start with ``Journey.create`` (digits by default), grow it with
``journey.train``, and watch it with ``JourneyWidget(journey)`` in a notebook.
"""

from .data import (
    LabelledData,
    TensorEncoder,
    TextEncoder,
    load_digits_data,
    load_news_data,
)
from .events import NodeAdded, RunEnded, RunProgress, RunStarted
from .journey import Journey
from .models import BagOfWordsClassifier, MLPClassifier, ModelSpec
from .node import CaseResult, Compute, Node, Position, TestResult
from .run import TrainingRun
from .stop import EveryNEpochs, EveryNIterations, StopCondition, TimeBudget
from .strategy import LearningStrategy
from .widget import JourneyWidget

__version__ = "0.1.0"

__all__ = [
    "BagOfWordsClassifier",
    "CaseResult",
    "Compute",
    "EveryNEpochs",
    "EveryNIterations",
    "Journey",
    "JourneyWidget",
    "LabelledData",
    "LearningStrategy",
    "MLPClassifier",
    "ModelSpec",
    "Node",
    "NodeAdded",
    "Position",
    "RunEnded",
    "RunProgress",
    "RunStarted",
    "StopCondition",
    "TensorEncoder",
    "TestResult",
    "TextEncoder",
    "TimeBudget",
    "TrainingRun",
    "__version__",
    "load_digits_data",
    "load_news_data",
]
