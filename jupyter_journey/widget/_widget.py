"""``JourneyWidget``: the anywidget that shows a journey live in a notebook.

The widget listens to its journey and forwards what it hears: each saved node
as one small ``node`` message, run progress in the ``run`` trait. The page asks
for the whole tree once, when it starts, with ``request-tree``. The protocol is
described in ``docs/architecture.md`` ("The widget protocol").
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from ..events import JourneyEvent, NodeAdded, RunEnded, RunProgress, RunStarted
from ..node import Node
from ._run_trait import RunRecord, RunTracker, idle_run

if TYPE_CHECKING:
    from ..journey import Journey

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent.parent / "static"
ESM_PATH = STATIC / "widget.js"
CSS_PATH = STATIC / "widget.css"
BUILD_HINT = (
    "run `npm ci && npm run build` in the js/ folder of the jupyter_journey "
    "checkout (or `bash scripts/setup.sh`), then restart the kernel"
)


def _bundle(path: Path) -> Path | str:
    # anywidget reads a Path when the class is defined and raises if the file
    # is missing; an empty string instead keeps this module importable without
    # the bundle, and JourneyWidget() then says how to build it.
    return path if path.is_file() else ""


class JourneyWidget(anywidget.AnyWidget):
    """A live view of a journey: its tree, run progress and a node inspector.

    Parameters
    ----------
    journey : Journey
        The journey to show. The widget subscribes to its events until
        ``close()``.
    **kwargs
        Initial trait values, such as ``selected=3``.

    Raises
    ------
    FileNotFoundError
        If the front end has not been built into ``jupyter_journey/static``.

    Examples
    --------
    >>> widget = JourneyWidget(journey)  # doctest: +SKIP
    >>> widget  # doctest: +SKIP
    >>> run = journey.train(nodes=4)  # doctest: +SKIP
    """

    _esm = _bundle(ESM_PATH)
    _css = _bundle(CSS_PATH)

    selected = traitlets.Int(None, allow_none=True).tag(sync=True)
    """Id of the node shown in the inspector, or None; set by clicks in the page too."""

    run = traitlets.Dict(idle_run()).tag(sync=True)
    """The current run: ``state`` ("idle", "running" or "stopping"), ``run_id``,
    ``parent_id``, ``iteration``, ``nodes_done``, ``nodes_target``,
    ``segment_done``, ``segment_total``, ``loss`` and ``message``."""

    error = traitlets.Unicode("").tag(sync=True)
    """The last failure, shown in the widget; empty when there is none."""

    _store_key = traitlets.Unicode("").tag(sync=True)
    # Names this widget's model in the page, where anywidget hands initialize()
    # and render() different wrappers of it: every view finds the one node
    # store that initialize() built under this key.

    def __init__(self, journey: Journey, **kwargs: Any) -> None:
        missing = [
            str(path)
            for path, loaded in (
                (ESM_PATH, type(self)._esm),
                (CSS_PATH, type(self)._css),
            )
            if loaded == ""
        ]
        if missing:
            raise FileNotFoundError(
                f"the widget's front end is not built ({', '.join(missing)} "
                f"missing): {BUILD_HINT}"
            )
        # Set before the traits, so that validating `selected` can read nodes.
        self._journey = journey
        self._unsubscribe: Callable[[], None] | None = None
        super().__init__(_store_key=uuid.uuid4().hex, **kwargs)
        self._tracker = RunTracker(self._publish_run)
        self.on_msg(self._on_message)
        # Listen first, then take in a run already going, so that no end of a
        # run falls between the two.
        self._unsubscribe = journey.subscribe(self._on_event)
        self._tracker.adopt(journey.active_run)

    @property
    def journey(self) -> Journey:
        """The journey this widget shows."""
        return self._journey

    @property
    def selected_node(self) -> Node | None:
        """The node shown in the inspector, read from the journey; None if none."""
        return None if self.selected is None else self._journey.node(self.selected)

    def close(self) -> None:
        """Stop listening to the journey and close the widget in the page."""
        # getattr: ipywidgets also closes a widget whose __init__ failed.
        unsubscribe = getattr(self, "_unsubscribe", None)
        if unsubscribe is not None:
            unsubscribe()
            self._unsubscribe = None
        tracker = getattr(self, "_tracker", None)
        if tracker is not None:
            tracker.close()
        super().close()

    @traitlets.validate("selected")
    def _check_selected(self, proposal: dict[str, Any]) -> int | None:
        value = proposal["value"]
        if value is None:
            return None
        try:
            self._journey.node(value)
        except KeyError as error:
            raise traitlets.TraitError(
                f"cannot select node {value}: {error.args[0]}"
            ) from None
        return int(value)

    def _tree_message(self) -> dict[str, Any]:
        journey = self._journey
        return {
            "type": "tree",
            "journey": {
                "name": journey.name,
                "folder": str(journey.folder),
                "label_names": list(journey.label_names),
            },
            "nodes": [node.to_json() for node in journey.nodes()],
        }

    def _on_message(self, _widget: object, content: Any, _buffers: object) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        try:
            if kind == "request-tree":
                self.send(self._tree_message())
            elif kind == "stop":
                self._stop_run()
            else:
                raise ValueError(
                    f"unknown message {content!r} from the page; expected a "
                    'type of "request-tree" or "stop"'
                )
        except Exception as error:
            self._report(f"could not answer the page's {kind or 'message'}", error)

    def _stop_run(self) -> None:
        run = self._journey.active_run
        if run is None:
            self._tracker.note("no run to stop")
            return
        run.stop()
        self._tracker.stopping()

    def _on_event(self, event: JourneyEvent) -> None:
        # Runs on the training thread: forward, never block, never raise.
        try:
            if isinstance(event, NodeAdded):
                self.send({"type": "node", "node": event.node.to_json()})
                self._tracker.node_added(event)
            elif isinstance(event, RunStarted):
                self._tracker.started(event)
            elif isinstance(event, RunProgress):
                self._tracker.progress(event)
            elif isinstance(event, RunEnded):
                self._tracker.ended(event)
                if event.reason == "failed":
                    self.error = (
                        f"training run {event.run_id[:8]} failed: {event.error}"
                    )
        except Exception as error:
            self._report(f"could not show {type(event).__name__}", error)

    def _publish_run(self, record: RunRecord) -> None:
        try:
            self.run = record
        except Exception as error:
            self._report("could not update the run state", error)

    def _report(self, context: str, error: Exception) -> None:
        logger.exception("JourneyWidget: %s", context)
        try:
            self.error = f"{context}: {type(error).__name__}: {error}"
        except Exception:
            # The trait itself cannot be sent (the comm is gone): the log
            # above is all that is left.
            logger.exception("JourneyWidget: could not show the error")
