"""Case sets: samples, validation, identity, label mapping, files, test samples."""

import hashlib
import json
import math
import re

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
from datasets import Array2D, ClassLabel, Dataset, Features, Value

from jupyter_journey import EveryNIterations, TensorEncoder, TextEncoder
from jupyter_journey.cases import (
    CaseSet,
    DuplicateSampleWarning,
    LeakageWarning,
)

BLANK = np.zeros((8, 8), dtype=np.float32)


def image(value):
    return np.full((8, 8), value, dtype=np.float32)


@pytest.fixture
def cases(digits):
    return CaseSet.for_data(digits)


@pytest.fixture
def trained(journey):
    journey.train(EveryNIterations(20), nodes=1).wait()
    return journey


def test_ids_are_stable_and_never_reused(cases):
    first = cases.add(image(0.1), "1")
    second = cases.add(image(0.2), "2", 0.5)

    cases.delete(first)
    third = cases.add(image(0.3), "3")

    assert (first, second, third) == (0, 1, 2)
    assert cases.ids == [1, 2]
    assert len(cases) == 2
    assert [s.label for s in cases] == ["2", "3"]
    assert cases[1].weight == 0.5


def test_identity_is_sha256_of_canonical_inputs_labels_and_weights():
    cases = CaseSet(["a", "b"], TensorEncoder([2]))
    cases.add([0.5, 1], "b", 2)
    cases.add([0.25, 0], "a", source="uploaded")

    # Written out by hand, so a change of format cannot pass unnoticed and the
    # identity cannot depend on anything a kernel restart changes.
    canonical = (
        '[{"input":[0.5,1.0],"label":"b","weight":2.0},'
        '{"input":[0.25,0.0],"label":"a","weight":1.0}]'
    )
    assert cases.identity == hashlib.sha256(canonical.encode()).hexdigest()


def test_identity_follows_every_change_of_input_label_and_weight(cases):
    cases.add(image(0.1), "1")
    sample = cases.add(image(0.2), "2")
    original = cases.identity

    cases.relabel(sample, "7")
    relabelled = cases.identity
    cases.relabel(sample, "2")
    restored = cases.identity
    cases.reweight(sample, 2.0)
    reweighted = cases.identity
    cases.reweight(sample, 1.0)
    cases.delete(sample)
    deleted = cases.identity
    cases.add(image(0.25), "2")
    other_input = cases.identity

    assert len({original, relabelled, reweighted, deleted, other_input}) == 5
    assert restored == original


def test_provenance_and_ids_do_not_change_the_identity(digits):
    by_hand = CaseSet.for_data(digits)
    uploaded = CaseSet.for_data(digits)
    by_hand.add(image(0.9), "4")
    by_hand.add(image(0.8), "5")
    uploaded.add(image(0.7), "6")
    uploaded.delete(0)

    uploaded.add_many([image(0.9), image(0.8)], ["4", "5"], source="uploaded")

    assert uploaded.ids == [1, 2]
    assert uploaded.identity == by_hand.identity


def test_an_unknown_label_is_refused_naming_the_accepted_ones(cases):
    cases.add(image(0.1), "1")
    before = cases.identity

    with pytest.raises(ValueError, match=r"^label 'ten' .*'0', '1'.*'9'"):
        cases.add(image(0.2), "ten")
    with pytest.raises(ValueError, match="label 3 is not a class name"):
        cases.add(image(0.2), 3)
    with pytest.raises(ValueError, match="label 'ten'"):
        cases.relabel(0, "ten")

    assert cases.identity == before
    assert len(cases) == 1
    assert cases[0].label == "1"


@pytest.mark.parametrize("weight", [math.nan, math.inf, -math.inf, -0.5, True, "x"])
def test_a_weight_that_is_not_finite_and_non_negative_is_refused(cases, weight):
    cases.add(image(0.1), "1", 2.0)

    with pytest.raises(ValueError, match=r"weight .* finite number >= 0"):
        cases.add(image(0.2), "2", weight)
    with pytest.raises(ValueError, match=r"weight .* finite number >= 0"):
        cases.reweight(0, weight)

    assert len(cases) == 1
    assert cases[0].weight == 2.0


def test_a_zero_weight_is_accepted(cases):
    sample = cases.add(image(0.1), "1", 0)

    assert cases[sample].weight == 0.0


@pytest.mark.parametrize("empty", [[], np.zeros((0,)), "", None])
def test_an_empty_input_is_refused(cases, empty):
    with pytest.raises(ValueError, match="is empty"):
        cases.add(empty, "1")

    assert len(cases) == 0


def test_an_empty_text_is_refused():
    cases = CaseSet(["sport", "economy"], TextEncoder(["goal", "bank"]))

    with pytest.raises(ValueError, match="is empty"):
        cases.add("   ", "sport")

    assert len(cases) == 0


def test_an_input_of_the_wrong_shape_gets_the_encoders_error(cases):
    with pytest.raises(ValueError, match=r"shape \(7, 8\) per sample; the model takes"):
        cases.add(np.zeros((7, 8)), "1")
    with pytest.raises(ValueError, match=r"numbers of shape \(8, 8\)"):
        cases.add("a text", "1")

    assert len(cases) == 0


def test_one_bad_row_adds_none_and_names_the_row(cases):
    with pytest.raises(ValueError, match=r"row 2: weight -1"):
        cases.add_many(
            [image(0.1), image(0.2), image(0.3)], ["1", "2", "3"], [1, 1, -1]
        )

    assert len(cases) == 0
    assert cases.add(image(0.1), "1") == 0


def test_an_unknown_id_is_refused_and_nothing_deleted(cases):
    cases.add(image(0.1), "1")

    with pytest.raises(KeyError, match=r"no case sample\(s\) with id \[5\]"):
        cases.delete([0, 5])
    with pytest.raises(KeyError, match="id"):
        cases.reweight(5, 1.0)

    assert cases.ids == [0]


def test_ids_may_be_numpy_integers_and_repeat(cases):
    cases.add_many([image(0.1), image(0.2), image(0.3)], ["1", "2", "3"])

    cases.delete(np.int64(0))
    cases.delete([1, 1])

    assert cases.ids == [2]
    with pytest.raises(KeyError, match="True"):
        cases.delete(True)


def test_a_sample_identical_to_a_test_sample_warns_of_leakage(cases, digits):
    test_image = digits.tensors("test")[0][7].numpy()

    with pytest.warns(LeakageWarning, match=r"test indices \[7\]") as caught:
        cases.add(test_image.tolist(), "3")

    assert caught[0].filename == __file__
    assert len(cases) == 1


def test_taking_test_samples_warns_of_leakage(cases, trained):
    with pytest.warns(LeakageWarning, match=r"test indices \[4, 9\]") as caught:
        cases.add_test_samples(trained, trained.latest_node, indices=[4, 9])

    assert caught[0].filename == __file__
    assert len(cases) == 2


def test_a_repeated_input_warns_of_a_duplicate(cases):
    cases.add(image(0.1), "1")

    with pytest.warns(DuplicateSampleWarning, match=r"new ids \[1\]") as caught:
        cases.add(image(0.1), "2", 3.0)

    assert caught[0].filename == __file__
    assert len(cases) == 2


def test_labels_are_mapped_by_name_onto_the_datas_label_ids(digits):
    reversed_names = [str(digit) for digit in range(9, -1, -1)]
    cases = CaseSet(reversed_names, digits.encoder)
    cases.add(image(0.1), "3", 0.5)
    cases.add(image(0.2), "9")

    tensors = cases.encode(digits)

    assert tensors.labels.tolist() == [3, 9]
    assert tensors.labels.dtype == torch.int64
    assert tensors.weights.tolist() == [0.5, 1.0]
    assert tensors.weights.dtype == torch.float32
    assert tensors.inputs.shape == (2, 8, 8)
    assert torch.equal(tensors.inputs[1], torch.full((8, 8), 0.2))
    assert tensors.identity == cases.identity


def test_a_class_label_column_in_another_order_is_read_by_name(digits):
    reversed_names = [str(digit) for digit in range(9, -1, -1)]
    table = Dataset.from_dict(
        {"input": [image(0.1).tolist(), BLANK.tolist()], "label": [0, 6]},
        features=Features(
            {
                "input": digits.splits["train"].features["image"],
                "label": ClassLabel(names=reversed_names),
            }
        ),
    )

    cases = CaseSet.from_dataset(table, digits.label_names, digits.encoder)

    assert [s.label for s in cases] == ["9", "3"]
    assert cases.encode(digits).labels.tolist() == [9, 3]


def test_encoding_refuses_a_label_the_data_does_not_have(digits):
    cases = CaseSet([*digits.label_names, "ten"], digits.encoder)
    cases.add(image(0.1), "ten")

    with pytest.raises(ValueError, match=r"case labels \['ten'\] are not classes"):
        cases.encode(digits)


def test_an_empty_case_set_encodes_to_empty_tensors(cases, digits):
    tensors = cases.encode(digits)

    assert tensors.inputs.shape == (0, 8, 8)
    assert tensors.labels.shape == (0,)
    assert tensors.weights.shape == (0,)


def add_every_kind(cases, trained):
    cases.add(image(0.1), "1", 1 / 3)
    cases.add(image(0.2), "7", 0.0, source="uploaded")
    cases.add_test_samples(trained, trained.latest_node, indices=[4, 9], weight=2.5)


@pytest.mark.filterwarnings("ignore::jupyter_journey.cases.LeakageWarning")
@pytest.mark.parametrize(
    ("write", "read"),
    [("to_csv", "add_csv"), ("to_json", "add_json"), ("to_parquet", "add_parquet")],
)
def test_files_round_trip_samples_labels_weights_and_provenance(
    cases, digits, trained, tmp_path, write, read
):
    add_every_kind(cases, trained)
    path = tmp_path / f"cases.{write[3:]}"

    getattr(cases, write)(path)
    again = CaseSet(digits.label_names, digits.encoder)
    ids = getattr(again, read)(path)

    assert ids == [0, 1, 2, 3]
    assert again.identity == cases.identity
    assert again.records() == cases.records()
    assert again[2].source == "test"
    assert again[2].test_index == 4


@pytest.mark.filterwarnings("ignore::jupyter_journey.cases.LeakageWarning")
def test_files_hold_labels_as_names(cases, trained, tmp_path):
    add_every_kind(cases, trained)
    test_labels = trained.data.tensors("test")[1]
    names = ["1", "7", str(int(test_labels[4])), str(int(test_labels[9]))]

    cases.to_csv(tmp_path / "cases.csv")
    cases.to_json(tmp_path / "cases.jsonl")
    cases.to_parquet(tmp_path / "cases.parquet")

    csv_lines = (tmp_path / "cases.csv").read_text().splitlines()
    assert csv_lines[0] == (
        "id,input,label,weight,source,test_index,node_id,predicted,confidence"
    )
    array, rest = csv_lines[1].removeprefix('0,"').split('",')
    assert json.loads(array) == image(0.1).tolist()
    assert rest == "1,0.3333333333333333,manual,,,,"
    jsonl = (tmp_path / "cases.jsonl").read_text().splitlines()
    assert [json.loads(line)["label"] for line in jsonl] == names
    parquet = pq.read_table(tmp_path / "cases.parquet")
    assert parquet.column("label").to_pylist() == names


def test_text_case_sets_round_trip_through_csv(tmp_path):
    cases = CaseSet(["sport", "economy"], TextEncoder(["goal", "bank"]))
    cases.add('Goal, "late" in the\nfinal', "sport", 2.0)
    cases.add("Bank rates rise", "economy")

    cases.to_csv(tmp_path / "news.csv")
    again = CaseSet(["economy", "sport"], TextEncoder(["goal", "bank"]))
    again.add_csv(tmp_path / "news.csv")

    assert [s.input for s in again] == ['Goal, "late" in the\nfinal', "Bank rates rise"]
    assert again.identity == cases.identity


def test_a_file_without_weights_or_provenance_counts_as_uploaded_weight_one(
    cases, tmp_path
):
    path = tmp_path / "mine.csv"
    path.write_text(f'input,label\n"{BLANK.tolist()}",4\n')

    cases.add_csv(path)

    assert [(s.label, s.weight, s.source, s.test_index) for s in cases] == [
        ("4", 1.0, "uploaded", None)
    ]


def test_a_file_missing_a_column_is_refused_naming_it(cases, tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text(json.dumps({"input": BLANK.tolist(), "class": "4"}) + "\n")

    with pytest.raises(ValueError, match=r"lacks column\(s\) \['label'\]; it has"):
        cases.add_json(path)

    assert len(cases) == 0


def test_a_csv_input_that_is_not_a_json_array_is_refused(cases, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("input,label\nnot numbers,4\n")

    with pytest.raises(ValueError, match="row 0: input 'not numbers' is not a JSON"):
        cases.add_csv(path)


def test_other_column_names_can_be_named(cases):
    table = Dataset.from_dict(
        {"pixels": [BLANK.tolist()], "digit": ["5"], "w": [4.0]},
        features=Features(
            {
                "pixels": Array2D(shape=(8, 8), dtype="float32"),
                "digit": Value("string"),
                "w": Value("float64"),
            }
        ),
    )

    cases.add_dataset(
        table, input_column="pixels", label_column="digit", weight_column="w"
    )

    assert [(s.label, s.weight) for s in cases] == [("5", 4.0)]


def test_to_dataset_has_a_class_label_column(cases):
    cases.add(image(0.1), "3")

    table = cases.to_dataset()

    assert table.features["label"] == ClassLabel(names=[str(d) for d in range(10)])
    assert table["label"] == [3]


@pytest.mark.filterwarnings("ignore::jupyter_journey.cases.LeakageWarning")
def test_misclassified_test_samples_are_added_with_provenance(cases, trained):
    node = trained.latest_node
    predicted, confidence = trained.test_predictions(node)
    truth = trained.data.tensors("test")[1]
    wrong = [i for i in range(len(truth)) if predicted[i] != truth[i]]

    ids = cases.add_test_samples(trained, node, weight=3.0)

    assert len(ids) == node.test.n - node.test.correct == len(wrong)
    sample = cases[ids[0]]
    index = wrong[0]
    assert sample.source == "test"
    assert sample.test_index == index
    assert sample.node_id == node.id
    assert sample.label == str(int(truth[index]))
    assert sample.predicted == str(int(predicted[index]))
    assert sample.confidence == pytest.approx(float(confidence[index]))
    assert sample.weight == 3.0
    assert np.array_equal(sample.input, trained.data.tensors("test")[0][index].numpy())


@pytest.mark.filterwarnings("ignore::jupyter_journey.cases.LeakageWarning")
def test_a_confusion_cell_adds_its_test_samples(cases, trained):
    node = trained.latest_node
    confusion = np.array(node.test.confusion)
    np.fill_diagonal(confusion, 0)
    true_id, predicted_id = np.unravel_index(confusion.argmax(), confusion.shape)

    by_name = cases.add_test_samples(
        trained, node, cell=(str(true_id), str(predicted_id))
    )
    again = cases.add_test_samples(
        trained, node.id, cell=(int(true_id), int(predicted_id))
    )

    assert len(by_name) == confusion[true_id, predicted_id] > 0
    assert again == []
    assert {(s.label, s.predicted) for s in cases} == {
        (str(true_id), str(predicted_id))
    }


@pytest.mark.filterwarnings("ignore::jupyter_journey.cases.LeakageWarning")
def test_chosen_test_indices_are_added_once(cases, trained):
    ids = cases.add_test_samples(trained, trained.latest_node, indices=[3, 1, 3])
    more = cases.add_test_samples(trained, trained.latest_node, indices=[1, 2])

    assert [cases[i].test_index for i in ids + more] == [3, 1, 2]


def test_test_indices_out_of_range_are_refused(cases, trained):
    with pytest.raises(ValueError, match=r"test indices \[360\] are out of range"):
        cases.add_test_samples(trained, trained.latest_node, indices=[0, 360])

    assert len(cases) == 0


@pytest.mark.filterwarnings("ignore::jupyter_journey.cases.LeakageWarning")
def test_records_restore_ids_and_provenance(cases, trained, digits):
    add_every_kind(cases, trained)
    cases.delete(1)

    again = CaseSet.from_records(
        json.loads(json.dumps(cases.records())), digits.label_names, digits.encoder
    )

    assert again.ids == [0, 2, 3]
    assert again.records() == cases.records()
    assert again.identity == cases.identity
    assert again.add(image(0.5), "5") == 4


@pytest.mark.filterwarnings("ignore::jupyter_journey.cases.LeakageWarning")
def test_a_node_predicts_each_case_sample(cases, trained):
    node = trained.latest_node
    predicted, confidence = trained.test_predictions(node)
    ids = cases.add_test_samples(trained, node, indices=[0, 1, 2])

    predictions = cases.predictions(trained, node)

    assert [p.sample_id for p in predictions] == ids
    assert [p.predicted for p in predictions] == [str(int(x)) for x in predicted[:3]]
    assert [p.confidence for p in predictions] == pytest.approx(confidence[:3].tolist())
    assert [p.correct for p in predictions] == [
        p.predicted == cases[p.sample_id].label for p in predictions
    ]


@pytest.mark.filterwarnings("ignore::jupyter_journey.cases.LeakageWarning")
def test_a_table_holds_labels_and_predictions_alike(cases, trained):
    cases.add_test_samples(trained, trained.latest_node)

    table = cases.to_dataset()

    assert table.features["predicted"] == table.features["label"]
    frame = table.to_pandas()
    assert (frame["predicted"] != frame["label"]).all()


def two_classes():
    """A small case set holding one sample, to show that bad input adds none."""
    cases = CaseSet(["a", "b"], TensorEncoder([2]))
    cases.add([0.5, 1.0], "a")
    return cases


def parquet_bytes(tmp_path, **columns):
    path = tmp_path / "made.parquet"
    pq.write_table(pa.table(columns), path)
    return path.read_bytes()


def refuse_file(cases, path, read, message, error=ValueError):
    """Reading ``path`` raises, naming it first; the set keeps what it held."""
    before = cases.records()

    with pytest.raises(error, match="^" + re.escape(str(path)) + message):
        getattr(cases, read)(path)

    assert cases.records() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r" is empty; a case set CSV has a header row naming its columns"),
        (b"\n\n", r" is empty"),
        (b"input,label,weight\n", r" has no rows, only the header \['input', 'lab"),
        (bytes(range(256)), r" is not a CSV file: it holds binary data"),
        (b"input,label\n\xff,a\n", r" is not a CSV file: byte 0xff at position 12 "),
        (b'{"input": [1, 2], "label": "a"}\n', r" is not a CSV file: .* add_json"),
        (b'input,label,label\n"[1, 2]",a,b\n', r" names column\(s\) \['label'\] mo"),
    ],
)
def test_a_csv_file_that_cannot_be_read_is_refused_naming_it(
    tmp_path, content, message
):
    path = tmp_path / "cases.csv"
    path.write_bytes(content)

    refuse_file(two_classes(), path, "add_csv", message)


def test_a_parquet_file_read_as_csv_says_to_read_it_as_parquet(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes(parquet_bytes(tmp_path, input=[[1.0, 2.0]], label=["a"]))

    refuse_file(two_classes(), path, "add_csv", r" is not a CSV file: .* add_parquet")


def test_a_csv_file_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes(b'\xef\xbb\xbfinput,label,weight\n"[1, 2]",b,2\n')
    cases = two_classes()

    cases.add_csv(path)

    assert [(s.input.tolist(), s.label, s.weight) for s in cases][1:] == [
        ([1.0, 2.0], "b", 2.0)
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r" has no rows; a JSON-lines case set file holds one JSON object"),
        (b"\n  \n", r" has no rows"),
        (b'{"input": [1, 2], "label": "a"}\nnot json\n', r" is not a JSON-lines .*2"),
        (b'[{"input": [1, 2], "label": "a"}]\n', r" .* line 1 is a list, not a JSON"),
        (b"{}\n", r", line 1: the JSON object is empty"),
        (b"\x89PNG\r\n\x1a\n\0\0", r" is not a JSON-lines file: it holds binary data"),
        (b"PAR1....PAR1", r" is not a JSON-lines file: it is a Parquet file"),
    ],
)
def test_a_json_lines_file_that_cannot_be_read_is_refused_naming_it(
    tmp_path, content, message
):
    path = tmp_path / "cases.jsonl"
    path.write_bytes(content)

    refuse_file(two_classes(), path, "add_json", message)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r" is empty; a Parquet file was expected"),
        (b"input,label\n[1, 2],a\n", r" is not a Parquet file: it lacks Parquet's"),
        (b"PAR1" + b"garbage" * 10 + b"PAR1", r" is not a readable Parquet file: "),
    ],
)
def test_a_file_that_is_not_parquet_is_refused_naming_it_without_log_noise(
    tmp_path, capfd, content, message
):
    path = tmp_path / "cases.parquet"
    path.write_bytes(content)

    refuse_file(two_classes(), path, "add_parquet", message)

    assert capfd.readouterr().err == ""


def test_a_parquet_file_without_rows_is_refused(tmp_path):
    path = tmp_path / "cases.parquet"
    path.write_bytes(
        parquet_bytes(
            tmp_path,
            input=pa.array([], pa.list_(pa.float32())),
            label=pa.array([], pa.string()),
        )
    )

    refuse_file(two_classes(), path, "add_parquet", r" has no rows")


def test_a_path_that_is_not_a_file_is_refused(tmp_path):
    cases = two_classes()

    with pytest.raises(TypeError, match=r"path must be a str or Path, got 123"):
        cases.add_csv(123)
    with pytest.raises(FileNotFoundError, match=r" is a folder; name a case set file"):
        cases.add_json(tmp_path)
    assert len(cases) == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("cases.csv", b'input,label,weight\n"[1, 2]",a,2\n"[1, 3]",b,\n'),
        (
            "cases.jsonl",
            b'{"input": [1, 2], "label": "a", "weight": 2}\n'
            b'{"input": [1, 3], "label": "b"}\n',
        ),
        ("cases.parquet", None),
    ],
)
def test_an_empty_cell_in_a_weight_column_is_refused_naming_its_row(
    tmp_path, name, content
):
    path = tmp_path / name
    if content is None:
        content = parquet_bytes(
            tmp_path, input=[[1.0, 2.0], [1.0, 3.0]], label=["a", "b"], weight=[2, None]
        )
    path.write_bytes(content)
    read = {"csv": "add_csv", "jsonl": "add_json", "parquet": "add_parquet"}

    refuse_file(two_classes(), path, read[path.suffix[1:]], r", row 1: weight is empty")


def test_an_empty_weight_in_a_dataset_is_refused_naming_its_row():
    table = Dataset.from_dict(
        {"input": [[1.0, 2.0], [1.0, 3.0]], "label": ["a", "b"], "weight": [1.0, None]}
    )
    cases = two_classes()

    with pytest.raises(ValueError, match=r"^row 1: weight is empty \(None\)"):
        cases.add_dataset(table)

    assert len(cases) == 1


def test_a_bad_row_in_a_file_names_the_file_and_the_row(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text('input,label,weight\n"[1, 2]",a,2\n"[1, 3]",c,1\n')

    refuse_file(two_classes(), path, "add_csv", r", row 1: label 'c' is not a class")


def test_a_warning_from_a_file_points_at_the_line_that_read_it(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text('input,label\n"[0.5, 1.0]",b\n')
    cases = two_classes()

    with pytest.warns(DuplicateSampleWarning) as caught:
        cases.add_csv(path)

    assert caught[0].filename == __file__


def test_a_weight_beyond_float32_is_refused_naming_it(cases):
    with pytest.raises(ValueError, match=r"weight 1e\+308 is beyond 3\.4e\+38"):
        cases.add(image(0.1), "1", 1e308)

    assert len(cases) == 0
