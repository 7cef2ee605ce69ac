"""The ``jupyter-journey`` command: train the default journey in a terminal."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from tqdm import tqdm

from .data import load_news_data
from .events import JourneyEvent, NodeAdded, RunProgress
from .journey import Journey
from .stop import EveryNIterations


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="jupyter-journey")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="train a journey on the embedded digits (or news) and print its tree",
    )
    demo.add_argument(
        "--folder",
        type=Path,
        help="where to save the journey (default: journeys/demo-<time>)",
    )
    demo.add_argument("--nodes", type=int, default=10, help="nodes to train (10)")
    demo.add_argument(
        "--every", type=int, default=100, help="iterations per node (100)"
    )
    demo.add_argument(
        "--news",
        type=Path,
        metavar="CSV",
        help="train on news items from this CSV (text,label) instead of digits",
    )
    options = parser.parse_args(argv)
    try:
        return demo_command(options.folder, options.nodes, options.every, options.news)
    except (ValueError, TypeError, LookupError, OSError) as error:
        print(f"jupyter-journey: {error}", file=sys.stderr)
        return 2


def demo_command(folder: Path | None, nodes: int, every: int, news: Path | None) -> int:
    """Create a journey, train ``nodes`` nodes of ``every`` iterations, print it."""
    if nodes < 1:
        raise ValueError(f"--nodes must be at least 1, got {nodes}")
    stop = EveryNIterations(every)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = folder or Path("journeys") / f"demo-{stamp}"
    data = load_news_data(news) if news else None
    journey = Journey.create(folder, data)
    print(f"Journey in {journey.folder}")

    with tqdm(total=nodes * every, unit="it", desc="training") as bar:

        def show(event: JourneyEvent) -> None:
            if isinstance(event, RunProgress):
                done = event.nodes_done * every + event.segment_done
                bar.update(done - bar.n)
            elif isinstance(event, NodeAdded) and event.node.accuracy is not None:
                bar.update(event.node.iteration - bar.n)
                bar.set_postfix(accuracy=f"{event.node.accuracy:.4f}")

        journey.subscribe(show)
        run = journey.train(stop, nodes=nodes)
        interrupted = False
        try:
            run.wait()
        except KeyboardInterrupt:
            # The interrupt asked the run to stop; let it save where it stands.
            interrupted = True
            run.wait()

    print(journey.tree_text())
    if interrupted:
        print("interrupted: the run saved a node where it stood", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
