"""The trainer: exact resume, nodes at stop conditions, evaluation side effects.

Exactness is pinned on the CPU. On a GPU, kernels need not be deterministic,
so a resumed run may differ in the last bits; nothing here checks a GPU.
"""

import pytest
import torch
from torch import nn

from jupyter_journey import (
    EveryNEpochs,
    EveryNIterations,
    Journey,
    LearningStrategy,
    MLPClassifier,
)
from jupyter_journey.training import predict, sample_order, weighted_loss

# Dropout draws from torch's generator, so exactness needs its state restored.
DROPOUT = {"in_features": 64, "classes": 10, "hidden": 32, "dropout": 0.2}
SGD = LearningStrategy(optimizer="sgd", lr=0.05, momentum=0.9, batch_size=50)


def model_state(journey, node):
    return journey._store.tensors(node.id, "model.")


def assert_same_tensors(left, right):
    assert left.keys() == right.keys()
    for name in left:
        assert torch.equal(left[name], right[name]), name


@pytest.fixture
def dropout_journey(tmp_path, digits):
    def create(name, strategy=SGD):
        return Journey.create(
            tmp_path / name, digits, MLPClassifier, DROPOUT, strategy, seed=3
        )

    return create


def test_four_nodes_of_100_equal_one_straight_run_of_400(dropout_journey):
    # 100 iterations of 50 samples end mid-epoch (1,437 training samples).
    chopped = dropout_journey("chopped")
    straight = dropout_journey("straight")

    four = chopped.train(EveryNIterations(100), nodes=4).wait()
    one = straight.train(EveryNIterations(400), nodes=1).wait()

    assert [n.iteration for n in four] == [100, 200, 300, 400]
    assert four[-1].position == one[-1].position
    assert four[-1].position.offset != 0
    assert_same_tensors(model_state(chopped, four[-1]), model_state(straight, one[-1]))
    assert_same_tensors(
        chopped._store.tensors(four[-1].id, "optimizer."),
        straight._store.tensors(one[-1].id, "optimizer."),
    )


def test_resume_in_a_fresh_journey_object_is_exact(dropout_journey, tmp_path):
    adam = LearningStrategy(optimizer="adam", lr=2e-3, batch_size=64, decay="cosine")
    straight = dropout_journey("straight", adam)
    resumed = dropout_journey("resumed", adam)

    expected = straight.train(EveryNIterations(150), nodes=2).wait()[-1]
    resumed.train(EveryNIterations(150), nodes=1).wait()
    reopened = Journey.open(tmp_path / "resumed")
    last = reopened.train(EveryNIterations(150), nodes=1).wait()[-1]

    assert last.iteration == expected.iteration == 300
    assert_same_tensors(model_state(reopened, last), model_state(straight, expected))
    assert last.test == expected.test


def test_retraining_from_a_node_reproduces_the_nodes_after_it(dropout_journey):
    journey = dropout_journey("branch")
    first = journey.train(EveryNIterations(60), nodes=4).wait()

    branch = journey.train(EveryNIterations(60), nodes=2, parent=first[1]).wait()

    assert [n.parent_id for n in branch] == [first[1].id, branch[0].id]
    for original, again in zip(first[2:], branch, strict=True):
        assert again.position == original.position
        assert_same_tensors(model_state(journey, again), model_state(journey, original))


def test_training_restores_the_callers_random_state(journey):
    torch.manual_seed(1234)
    before = torch.random.get_rng_state()

    journey.train(EveryNIterations(20), nodes=1).wait()

    assert torch.equal(torch.random.get_rng_state(), before)


def test_nodes_record_their_chain_and_compute(journey, digits):
    nodes = journey.train(EveryNIterations(30), nodes=3).wait()

    assert [n.parent_id for n in nodes] == [
        journey.start_node.id,
        nodes[0].id,
        nodes[1].id,
    ]
    assert all(n.kind == "trained" for n in nodes)
    assert nodes[0].created_at < nodes[1].created_at < nodes[2].created_at
    # 90 iterations of 32 are two epochs of 1,437, each ending in a batch of 29.
    assert [n.compute.samples for n in nodes] == [960, 957, 957]
    for node in nodes:
        assert node.dataset_id == digits.identity
        assert node.compute.wall_seconds > 0
        assert node.compute.cpu_seconds > 0
        assert node.compute.flops > 0
        assert node.stop == {"kind": "iterations", "n": 30}
        assert node.test.n == 360
        assert sum(map(sum, node.test.confusion)) == 360


def test_every_n_epochs_cuts_nodes_at_epoch_ends(journey):
    nodes = journey.train(EveryNEpochs(1), nodes=2).wait()

    # 1,437 samples in batches of 32: 45 iterations, the last one short.
    assert [(n.iteration, n.position.epoch, n.position.offset) for n in nodes] == [
        (45, 1, 0),
        (90, 2, 0),
    ]


def test_sample_order_is_a_pure_function_of_seed_epoch_and_size():
    assert torch.equal(sample_order(1, 2, 50), sample_order(1, 2, 50))
    assert not torch.equal(sample_order(1, 2, 50), sample_order(1, 3, 50))
    assert sorted(sample_order(1, 2, 50).tolist()) == list(range(50))


def test_weighted_loss_weighs_each_sample():
    logits = torch.tensor([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    labels = torch.tensor([0, 0, 1])
    weights = torch.tensor([1.0, 3.0, 0.0])
    losses = torch.nn.functional.cross_entropy(logits, labels, reduction="none")

    loss = weighted_loss(logits, labels, weights)

    assert loss == pytest.approx(float((losses[0] + 3 * losses[1]) / 4))


def test_weighted_loss_of_zero_weights_is_no_loss():
    assert (
        weighted_loss(torch.zeros(2, 3), torch.tensor([0, 1]), torch.zeros(2)) is None
    )


class BatchNormNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.BatchNorm1d(64), nn.Linear(64, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def test_evaluation_leaves_training_mode_and_batchnorm_statistics_alone(digits):
    model = BatchNormNet().train()
    inputs, _ = digits.tensors("test")
    before = {k: v.clone() for k, v in model.state_dict().items()}

    predict(model, inputs, torch.device("cpu"))

    assert model.training
    assert_same_tensors(model.state_dict(), before)


def test_a_run_that_diverges_fails_without_saving_a_nan_node(tmp_path, digits):
    # A learning rate of 1e38 sends the parameters to infinity within steps.
    reckless = LearningStrategy(optimizer="sgd", lr=1e38, batch_size=32)
    journey = Journey.create(tmp_path / "nan", digits, strategy=reckless)
    before = journey.nodes()

    run = journey.train(EveryNIterations(5), nodes=2)

    with pytest.raises(RuntimeError, match="failed") as failure:
        run.wait()
    assert "diverged between iteration 0 (node #1) and 5" in str(
        failure.value.__cause__
    )
    assert journey.nodes() == before


def test_huge_finite_weights_train_to_finite_parameters(journey):
    cases = journey.case_set()
    cases.add(torch.full((8, 8), 0.5).numpy(), "3", 1e38)
    cases.add(torch.full((8, 8), 0.25).numpy(), "4", 1e38)

    node = journey.train(EveryNIterations(5), nodes=1, case_set=cases).wait()[0]

    for tensor in journey._store.tensors(node.id, "model.").values():
        assert torch.isfinite(tensor).all()
    assert node.test.case.effective_n == pytest.approx(2.0)
