"""Retraining on the second data set: weighted loss, case results, exact branches."""

import hashlib
import math
import uuid

import numpy as np
import pytest
import torch

from jupyter_journey import EveryNIterations, LearningStrategy
from jupyter_journey.events import EventHub
from jupyter_journey.metrics import case_result
from jupyter_journey.parents import HighestAccuracy
from jupyter_journey.training import Trainer, TrainingData, weighted_loss

# These tests take test samples into case sets on purpose, as the method does.
pytestmark = pytest.mark.filterwarnings("ignore::jupyter_journey.cases.LeakageWarning")

Z95 = 1.959963984540054  # the normal quantile of a two-sided 95% interval


def wilson(p, n):
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2)) / (1 + Z95**2 / n)
    return centre - half, centre + half


def test_weighted_loss_by_hand():
    # Equal logits give ln 2; logits (ln 3, 0) give -ln(3/4) for class 0.
    logits = torch.tensor([[0.0, 0.0], [math.log(3.0), 0.0], [5.0, -5.0]])
    labels = torch.tensor([1, 0, 1])
    weights = torch.tensor([1.0, 3.0, 0.0])

    loss = weighted_loss(logits, labels, weights)

    assert loss.item() == pytest.approx((math.log(2) + 3 * math.log(4 / 3)) / 4)


def test_weighted_accuracy_kish_n_and_threshold_by_hand():
    truth = [0, 1, 1, 0, 2]
    predicted = [0, 1, 0, 1, 2]
    weights = [1.0, 2.0, 3.0, 0.0, 0.5]

    result = case_result(truth, predicted, weights, threshold=1.0)

    # Right: weights 1, 2 and 0.5 of 6.5. Kish: 6.5**2 / (1 + 4 + 9 + 0.25).
    assert result.n == 5
    assert result.weighted_accuracy == pytest.approx(3.5 / 6.5)
    assert result.effective_n == pytest.approx(42.25 / 14.25)
    assert result.interval == pytest.approx(wilson(3.5 / 6.5, 42.25 / 14.25))
    # Heavier than 1: weights 2 (right) and 3 (wrong).
    assert result.above_threshold_n == 2
    assert result.above_threshold_accuracy == 0.5
    assert result.threshold == 1.0


def test_case_results_of_zero_weights_are_none_not_nan():
    result = case_result([0, 1], [0, 0], [0.0, 0.0], threshold=1.0)

    assert result.weighted_accuracy is None
    assert result.interval is None
    assert result.effective_n == 0.0
    assert result.above_threshold_accuracy is None
    assert result.above_threshold_n == 0


def test_a_batch_of_zero_weights_makes_no_update_and_no_nan(journey, digits):
    # Base rows weigh 1, so no journey batch is weightless: drive the loop
    # with a second data set whose every row weighs 0.
    inputs, labels = digits.tensors("train")
    weightless = TrainingData(inputs[:64], labels[:64], torch.zeros(64), "weightless")
    start = journey.start_node
    trainer = Trainer(
        store=journey._store,
        build_model=journey._build_model,
        parent=start,
        data=weightless,
        test=digits.tensors("test"),
        num_classes=10,
        strategy=LearningStrategy(batch_size=16),
        stop=EveryNIterations(6),
        seed=journey.seed,
        device=torch.device("cpu"),
        run_id=uuid.uuid4().hex,
        hub=EventHub(),
    )

    (node,) = trainer.run(1, lambda: False)

    after = journey._store.tensors(node.id, "model.")
    before = journey._store.tensors(start.id, "model.")
    assert node.iteration == 6
    assert after.keys() == before.keys()
    for name, tensor in after.items():
        assert torch.isfinite(tensor).all(), name
        assert torch.equal(tensor, before[name]), name
    assert node.test == start.test


@pytest.fixture
def branched(journey):
    """Four nodes of 20 iterations, and a case set of test samples node 2 missed."""
    nodes = journey.train(EveryNIterations(20), nodes=4).wait()
    cases = journey.case_set()
    missed = cases.add_test_samples(journey, nodes[1], weight=1.0)
    for index, sample_id in enumerate(missed[:6]):
        cases.reweight(sample_id, [4.0, 0.0, 2.5][index % 3])
    return journey, nodes, cases


def test_a_child_records_its_parent_the_second_data_set_and_case_results(
    branched, digits
):
    journey, nodes, cases = branched
    weights = [sample.weight for sample in cases]

    child = journey.train(
        EveryNIterations(20), nodes=1, parent=nodes[1], case_set=cases
    ).wait()[0]

    second = hashlib.sha256(f"{digits.identity}+{cases.identity}".encode())
    assert child.parent_id == nodes[1].id
    assert child.dataset_id == second.hexdigest() != digits.identity
    assert child.case_set_id == cases.identity
    case = child.test.case
    assert case.n == len(cases) == len(weights)
    assert case.effective_n == pytest.approx(
        sum(weights) ** 2 / sum(w * w for w in weights)
    )
    predictions = cases.predictions(journey, child)
    right = sum(w for w, p in zip(weights, predictions, strict=True) if p.correct)
    assert case.weighted_accuracy == pytest.approx(right / sum(weights))
    assert case.interval == pytest.approx(
        wilson(case.weighted_accuracy, case.effective_n)
    )
    heavy = [p.correct for w, p in zip(weights, predictions, strict=True) if w > 1.0]
    assert case.above_threshold_n == len(heavy) == 4
    assert case.above_threshold_accuracy == pytest.approx(sum(heavy) / len(heavy))


def test_a_child_trained_on_test_samples_reports_the_test_it_has_not_seen(branched):
    journey, nodes, cases = branched
    seen = sorted(sample.test_index for sample in cases)

    child = journey.train(
        EveryNIterations(20), nodes=1, parent=nodes[1], case_set=cases
    ).wait()[0]

    truth = journey.test_labels().tolist()
    predicted = journey.test_predictions(child)[0].tolist()
    unseen = [i for i in range(len(truth)) if i not in set(seen)]
    right = sum(predicted[i] == truth[i] for i in unseen)
    case = child.test.case
    assert case.test_overlap == len(seen) > 0
    assert case.held_out_n == len(unseen) == 360 - len(seen)
    assert case.held_out_accuracy == pytest.approx(right / len(unseen))


def test_a_case_set_apart_from_the_test_split_reports_no_overlap(journey):
    cases = journey.case_set()
    cases.add(np.full((8, 8), 0.5, dtype=np.float32), "3", 2.0)

    child = journey.train(EveryNIterations(5), nodes=1, case_set=cases).wait()[0]

    case = child.test.case
    assert (case.test_overlap, case.held_out_accuracy, case.held_out_n) == (0, None, 0)


def test_the_case_set_a_node_trained_with_can_be_read_back(branched):
    journey, nodes, cases = branched

    child = journey.train(
        EveryNIterations(20), nodes=1, parent=nodes[1], case_set=cases
    ).wait()[0]
    cases.reweight(cases.ids[0], 9.0)
    saved = journey.case_set(child.case_set_id)

    assert saved.identity == child.case_set_id != cases.identity
    assert saved.records()[1:] == cases.records()[1:]
    assert saved.records()[0]["weight"] == 4.0


def test_the_weight_threshold_of_a_retraining_is_recorded(branched):
    journey, nodes, cases = branched

    run = journey.train(
        EveryNIterations(20),
        nodes=1,
        parent=nodes[1],
        case_set=cases,
        weight_threshold=3.0,
    )
    case = run.wait()[0].test.case

    assert case.threshold == 3.0
    assert case.above_threshold_n == 2


def test_retraining_with_an_empty_case_set_reproduces_the_nodes_after_the_parent(
    branched,
):
    journey, nodes, _ = branched
    empty = journey.case_set()
    strategy = LearningStrategy.from_json(nodes[1].strategy)

    branch = journey.train(
        EveryNIterations(20),
        nodes=2,
        parent=nodes[1],
        strategy=strategy,
        case_set=empty,
    ).wait()

    assert [n.parent_id for n in branch] == [nodes[1].id, branch[0].id]
    for original, again in zip(nodes[2:], branch, strict=True):
        assert again.position == original.position
        assert again.dataset_id == original.dataset_id
        assert again.case_set_id is None
        assert again.test == original.test
        for prefix in ("model.", "optimizer."):
            first = journey._store.tensors(original.id, prefix)
            second = journey._store.tensors(again.id, prefix)
            assert first.keys() == second.keys()
            for name in first:
                assert torch.equal(first[name], second[name]), name


def test_case_samples_change_what_is_learned(branched):
    journey, nodes, cases = branched

    child = journey.train(
        EveryNIterations(20), nodes=1, parent=nodes[1], case_set=cases
    ).wait()[0]

    original = journey._store.tensors(nodes[2].id, "model.")
    retrained = journey._store.tensors(child.id, "model.")
    assert any(not torch.equal(original[k], retrained[k]) for k in original)
    # The data changed, so its order starts afresh at the parent's epoch.
    assert child.position.epoch == nodes[1].position.epoch
    assert child.position.iteration == nodes[1].iteration + 20


def test_retraining_with_a_new_strategy_starts_its_schedule(branched):
    journey, nodes, cases = branched
    slower = LearningStrategy(optimizer="sgd", lr=0.01, decay="step", decay_steps=10)

    child = journey.train(
        EveryNIterations(20),
        nodes=1,
        parent=nodes[2],
        strategy=slower,
        case_set=cases,
    ).wait()[0]

    assert child.strategy == slower.to_json()
    assert child.position.schedule_origin == nodes[2].iteration


def test_retraining_from_a_rule_starts_from_its_choice(branched):
    journey, nodes, cases = branched
    best = max(nodes, key=lambda n: (n.accuracy, -n.id))

    run = journey.train(
        EveryNIterations(20), nodes=1, parent=HighestAccuracy(), case_set=cases
    )
    child = run.wait()[0]

    assert child.parent_id == best.id
    assert run.parent_reason.startswith(f"node {best.id} has the highest")


def test_a_case_set_with_labels_in_another_order_trains_the_same(branched, digits):
    journey, nodes, cases = branched
    reordered = type(cases).from_records(
        cases.records(), list(reversed(digits.label_names)), digits.encoder
    )

    first = journey.train(
        EveryNIterations(20), nodes=1, parent=nodes[1], case_set=cases
    ).wait()[0]
    second = journey.train(
        EveryNIterations(20), nodes=1, parent=nodes[1], case_set=reordered
    ).wait()[0]

    assert second.dataset_id == first.dataset_id
    assert second.test == first.test
    one = journey._store.tensors(first.id, "model.")
    other = journey._store.tensors(second.id, "model.")
    assert all(torch.equal(one[k], other[k]) for k in one)
