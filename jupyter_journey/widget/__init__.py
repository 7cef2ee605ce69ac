"""The notebook widget: a live journey tree with a node inspector.

``JourneyWidget(journey)`` listens to a journey and draws it in the page; the
front end is built from ``js/`` into ``jupyter_journey/static/``.
"""

from ._widget import JourneyWidget

__all__ = ["JourneyWidget"]
