"""What a journey costs over a plain torch loop doing the same work.

Both train the same model on the same data with the same optimizer and batch
order, and evaluate on the test split every ``--every`` iterations. The plain
loop keeps nothing; the journey saves a node each time (SQLite row, safetensors
file with parameters, optimizer and random state, fsync) and publishes events.
Runs alternate, in one process, and the medians are compared.

    python benchmarks/bench_overhead.py            # digits, 10 nodes of 100
    python benchmarks/bench_overhead.py --news ../shared/data/ag_news/news.csv
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from jupyter_journey import EveryNIterations, Journey, LearningStrategy
from jupyter_journey.data import LabelledData, load_digits_data, load_news_data
from jupyter_journey.training import predict, sample_order, weighted_loss


def plain_loop(data: LabelledData, journey: Journey, nodes: int, every: int) -> float:
    """The same training and evaluations as the journey, saving nothing."""
    strategy = LearningStrategy.from_json(journey.start_node.strategy)
    model = journey.load_model(journey.start_node).train()
    optimizer = strategy.build_optimizer(model.parameters())
    inputs, labels = data.tensors("train")
    test_inputs, test_labels = data.tensors("test")
    weights = torch.ones(labels.shape[0])
    size, epoch, offset = labels.shape[0], 0, 0
    order = sample_order(journey.seed, epoch, size)
    started = time.perf_counter()
    for _ in range(nodes):
        for _ in range(every):
            batch = order[offset : offset + strategy.batch_size]
            loss = weighted_loss(model(inputs[batch]), labels[batch], weights[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            offset += len(batch)
            if offset >= size:
                epoch, offset = epoch + 1, 0
                order = sample_order(journey.seed, epoch, size)
        predicted, _ = predict(model, test_inputs, torch.device("cpu"))
        (predicted == test_labels).float().mean().item()
    return time.perf_counter() - started


def journey_run(data: LabelledData, folder: Path, nodes: int, every: int) -> float:
    journey = Journey.create(folder, data)
    started = time.perf_counter()
    journey.train(EveryNIterations(every), nodes=nodes).wait()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--every", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--news", type=Path, help="news CSV instead of digits")
    options = parser.parse_args()
    data = load_news_data(options.news) if options.news else load_digits_data()
    torch.set_num_threads(1)  # steadier timings on a shared 2-core machine

    plain_times, journey_times = [], []
    with tempfile.TemporaryDirectory() as scratch:
        reference = Journey.create(Path(scratch) / "reference", data)
        for repeat in range(options.repeats):
            plain_times.append(
                plain_loop(data, reference, options.nodes, options.every)
            )
            folder = Path(scratch) / f"journey-{repeat}"
            journey_times.append(
                journey_run(data, folder, options.nodes, options.every)
            )

    plain, journey = statistics.median(plain_times), statistics.median(journey_times)
    per_node_ms = (journey - plain) / options.nodes * 1000
    name = "news" if options.news else "digits"
    print(
        f"data: {name}; {options.nodes} nodes of {options.every} iterations; "
        f"median of {options.repeats}"
    )
    print(f"plain torch loop: {plain:.3f} s")
    print(f"journey:          {journey:.3f} s")
    print(
        f"ratio journey / plain: {journey / plain:.2f}  "
        f"(overhead {per_node_ms:.1f} ms per node)"
    )


if __name__ == "__main__":
    main()
