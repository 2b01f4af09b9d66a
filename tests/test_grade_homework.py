"""Grading the sample submissions of homework 1: every status, every kind of credit."""

from __future__ import annotations

import json

import pytest
from conftest import PROBLEMS

from grader.answers import read_submission
from grader.grading import grade_submission
from grader.homework import load_homework
from grader.prepare import prepare

HOMEWORK = PROBLEMS / "homework1.yaml"
SUBMISSIONS = PROBLEMS / "submissions"


@pytest.fixture(scope="module")
def prepared():
    return prepare(load_homework(HOMEWORK))


def items(prepared, name: str) -> dict[tuple[str, str], object]:
    report = grade_submission(prepared, read_submission(SUBMISSIONS / name))
    return {(i.problem, i.step): i for i in report.items}


def test_correct_answers_in_every_form_get_full_marks(prepared):
    report = grade_submission(prepared, read_submission(SUBMISSIONS / "ada_correct.yaml"))
    assert [i for i in report.items if i.status != "correct"] == []
    assert report.score == report.max_score == prepared.max_score


def test_rounded_intermediates_are_accepted_and_said_so(prepared):
    graded = items(prepared, "ben_rounded.yaml")
    assert all(i.status == "correct" for i in graded.values())
    assert "rounding the intermediate values to 4 significant figures" in graded["q8", "loss"].feedback


# (problem, step) -> (status, mistake, score), worked out by hand from the files' comments:
# points × 0.25 for a mistake, × 0.8 for carried-forward credit, entries' share for partial credit.
EXPECTED = {
    "cleo_carried_forward.yaml": {
        ("q1", "padded_h"): ("wrong", None, 0),
        ("q1", "out_h"): ("carried_forward", None, 0.8),
        ("q1", "output"): ("carried_forward", None, 1.6),
        ("q7", "a1"): ("carried_forward", None, 1.6),
        ("q7", "loss"): ("carried_forward", None, 0.8),
        ("q7", "dL/dW1[1,1]"): ("carried_forward", None, 1.6),
        ("q8", "delta1"): ("wrong", None, 0),  # all zeros: nothing to carry forward
        ("q9", "y_hat"): ("carried_forward", None, 0.8),
        ("q9", "dL/dW_h"): ("carried_forward", None, 1.6),
        ("q10", "L"): ("missing", None, 0),
    },
    "dev_size_mistakes.yaml": {
        ("q1", "padded_h"): ("mistake", "padding_once", 0.25),
        ("q1", "out_w"): ("mistake", "no_plus_one", 0.25),
        ("q1", "output"): ("mistake", "no_plus_one", 0.5),
        ("q2", "moves"): ("mistake", "ignored_stride", 0.25),
        ("q2", "output"): ("mistake", "rounded_up", 0.5),
        ("q3", "flattened"): ("mistake", "author_hint", 0.5),
        ("q5", "output_size"): ("mistake", "tensorflow_same", 0.25),
        ("q5", "feature_map"): ("mistake", "flipped_kernel", 2.0),  # 6 of 9 entries are right anyway
        ("q6", "output_size"): ("mistake", "pool_stride_one", 0.25),
        ("q6", "pooled"): ("mistake", "avg_divisor_without_padding", 0.75),
    },
    "eve_dense_mistakes.yaml": {
        ("q7", "z1"): ("mistake", "bias_forgotten", 2 * 2 / 3),
        ("q7", "loss"): ("mistake", "loss_without_half", 0.25),
        ("q7", "dL/dW1[1,1]"): ("mistake", "tanh_derivative_unsquared", 0.5),
        ("q8", "delta1"): ("mistake", "residual_reversed", 0.5),
        ("q8", "dL/dW1"): ("mistake", "transposed", 1.0),
        ("q8", "dL/dW2"): ("mistake", "derivative_extra_factor_2", 0.5),
        ("q9", "dL/dW_h"): ("mistake", "bptt_last_step_only", 0.5),
        ("q10", "L"): ("mistake", "factor_2", 0.5),
        ("q10", "dL/db"): ("mistake", "author_hint", 0.5),
    },
    "finn_partial.yaml": {
        ("q4", "feature_map"): ("wrong", None, 0),
        ("q6", "pooled"): ("partial", None, 3 * 8 / 9),
        ("q8", "dL/dW1"): ("partial", None, 3 * 7 / 9),
        ("q10", "dL/db"): ("mistake", "sign_flipped", 0.5),
        ("q9", "h1"): ("missing", None, 0),
    },
    "gus_invalid.yaml": {
        ("q1", "padded_h"): ("correct", None, 1),
        ("q1", "out_h"): ("invalid", None, 0),
        ("q1", "output"): ("invalid", None, 0),
        ("q1", "foo"): ("invalid", None, 0),
        ("q99", ""): ("invalid", None, 0),
        ("q5", "feature_map"): ("invalid", None, 0),
        ("q7", "loss"): ("invalid", None, 0),
        ("q7", "y_hat"): ("invalid", None, 0),
        ("q10", "L"): ("invalid", None, 0),
        ("q10", "dL/db"): ("invalid", None, 0),
    },
}


@pytest.mark.parametrize(
    ("name", "key"), [(name, key) for name, expected in EXPECTED.items() for key in expected], ids=str
)
def test_sample_submission_items(prepared, name, key):
    item = items(prepared, name)[key]
    status, mistake, score = EXPECTED[name][key]
    assert (item.status, item.mistake) == (status, mistake), item.feedback
    assert item.score == pytest.approx(score, abs=1e-3)


def test_feedback_says_what_was_carried_forward_and_which_entries_are_wrong(prepared):
    assert items(prepared, "cleo_carried_forward.yaml")["q1", "out_h"].feedback == "correct for your padded_h = 15"
    partial = items(prepared, "finn_partial.yaml")["q6", "pooled"].feedback
    assert partial == "8 of 9 entries right; wrong: pooled[3,3] = 5 (expected 4)"
    assert "shape 1×3, expected 2×2" in items(prepared, "finn_partial.yaml")["q4", "feature_map"].feedback


def test_hostile_values_say_why(prepared):
    graded = items(prepared, "gus_invalid.yaml")
    assert "names start with a letter" in graded["q10", "L"].feedback
    assert "(at character 1)" in graded["q10", "L"].feedback and "\n" not in graded["q10", "L"].feedback
    assert "too large" in graded["q10", "dL/db"].feedback
    assert "not a finite number" in graded["q7", "loss"].feedback
    assert "unknown problem id 'q99'" in graded["q99", ""].feedback


def test_a_broken_file_makes_every_item_invalid_with_the_line(prepared):
    report = grade_submission(prepared, read_submission(SUBMISSIONS / "hal_broken.yaml"))
    assert {i.status for i in report.items} == {"invalid"}
    assert report.max_score == prepared.max_score and report.score == 0
    assert "hal_broken.yaml:5: not valid YAML" in report.items[0].feedback


def test_json_has_exactly_the_published_fields(cli):
    result = cli("grade", HOMEWORK, SUBMISSIONS / "dev_size_mistakes.yaml", "--json")
    assert result.code == 0, result.err
    (report,) = json.loads(result.out)
    assert set(report) == {"student", "score", "max_score", "items"}
    assert {tuple(sorted(i)) for i in report["items"]} == {
        tuple(sorted(["problem", "step", "given", "expected", "score", "max_score", "status", "mistake", "feedback"]))
    }
    statuses = {i["status"] for i in report["items"]}
    assert statuses <= {"correct", "carried_forward", "partial", "mistake", "wrong", "missing", "invalid"}
    padded = next(i for i in report["items"] if i["step"] == "padded_h")
    assert padded == {
        "problem": "q1",
        "step": "padded_h",
        "given": 13,
        "expected": 17,
        "score": 0.25,
        "max_score": 1.0,
        "status": "mistake",
        "mistake": "padding_once",
        "feedback": "Padding goes on both sides: add 2P, not P.",
    }


def test_grade_a_directory_prints_a_table_and_a_class_line(cli, tmp_path):
    gradebook = tmp_path / "grades.csv"
    result = cli("grade", HOMEWORK, SUBMISSIONS, "--csv", gradebook)
    assert result.code == 0, result.err
    assert "s04 (Dev Windows): 16.3 / 54 (30%)" in result.out
    assert "Class: 8 students, mean" in result.out
    rows = gradebook.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("student,name,q1.padded_h,q1.out_h,") and rows[0].endswith(",total,max")
    assert len(rows) == 9 and rows[1].startswith("s01,Ada Lovelace,1,1,1,2,") and rows[1].endswith(",54,54")


def test_the_gradebook_is_written_atomically(prepared, tmp_path, monkeypatch):
    from grader import gradebook
    from solver.files import writing

    target = tmp_path / "grades.csv"
    target.write_text("the previous gradebook\n", encoding="utf-8")

    def crash(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writing.os, "replace", crash)
    report = grade_submission(prepared, read_submission(SUBMISSIONS / "ada_correct.yaml"))
    assignment = gradebook.Assignment(prepared, "Homework 1")
    with pytest.raises(OSError), gradebook.open_gradebook(target, gradebook.GRADEBOOKS["csv"], assignment) as book:
        book.add(report)
    assert target.read_text(encoding="utf-8") == "the previous gradebook\n"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]


def test_answer_template_filled_with_the_reference_gets_full_marks(cli, tmp_path, prepared):
    import yaml

    from grader.selftest import reference_answer

    template = cli("answer-template", HOMEWORK)
    assert template.code == 0, template.err
    data = yaml.safe_load(template.out)
    assert data["answers"]["q1"] == {"padded_h": None, "out_h": None, "out_w": None, "output": None}
    for step in prepared.all_steps():
        data["answers"][step.problem.id][step.reference] = reference_answer(step)
    (tmp_path / "filled.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    report = grade_submission(prepared, read_submission(tmp_path / "filled.yaml"))
    assert report.score == prepared.max_score


def test_check_homework_self_test(cli):
    result = cli("check", HOMEWORK)
    assert result.code == 0, result.err
    assert "reference answers grade 54 / 54" in result.out
    assert "q5 feature_map = [[-8, 0, 0], [-8, 0, 0], [-8, 0, 0]]; mistakes: flipped_kernel →" in result.out
    # seed 004's filter is symmetric under a 180° turn: flipping it changes nothing here
    assert "indistinguishable on this data: flipped_kernel" in result.out
    data = json.loads(cli("check", HOMEWORK, "--json").out)
    assert data["ok"] and data["reference_score"] == data["max_score"] == 54


def test_solve_homework_as_markdown(cli):
    result = cli("solve", HOMEWORK, "--format", "md")
    assert result.code == 0, result.err
    assert result.out.startswith("# Homework 1")
    assert "## q8: 2-3-1 tanh network, question 2 (vector form), x = [0, 1] (10 points)" in result.out
    assert "| `dL/dW1[1,1]` | 2 | $0.00034829$ |" in result.out
    assert json.loads(cli("solve", HOMEWORK, "--json").out)["problems"][0]["asked"]["output"] == [5, 4]


def test_problem_file_hints_and_carry_forward_off(tmp_path, prepared):
    (tmp_path / "p.yaml").write_text(
        "kind: conv-size\ngiven: {input: 12x12, kernel: 3}\n"
        "hints:\n  output: [{answer: 9x9, message: 'Count the first position too.', score: 0.5}]\n",
        encoding="utf-8",
    )
    (tmp_path / "hw.yaml").write_text(
        "title: t\ngrading: {carry_forward: false}\nproblems:\n"
        "  - {id: a, file: p.yaml, ask: {padded: 1, output: 1, out: 1}}\n",
        encoding="utf-8",
    )
    (tmp_path / "s.yaml").write_text("student: s\nanswers: {a: {padded: 11, out: 10, output: 9x9}}\n", encoding="utf-8")
    graded = grade_submission(prepare(load_homework(tmp_path / "hw.yaml")), read_submission(tmp_path / "s.yaml"))
    by_step = {i.step: i for i in graded.items}
    assert (by_step["output"].mistake, by_step["output"].score) == ("author_hint", 0.5)
    assert by_step["out"].status == "correct"
    assert by_step["padded"].status == "wrong"


def test_bad_homework_files_are_input_errors(cli, tmp_path):
    (tmp_path / "hw.yaml").write_text(
        "title: t\nproblems:\n  - {id: a, file: ../nowhere.yaml, ask: {x: 1}}\n", encoding="utf-8"
    )
    result = cli("grade", tmp_path / "hw.yaml", SUBMISSIONS)
    assert result.code == 2 and result.err.startswith("nnsolve: error: ") and "no such problem file" in result.err
    (tmp_path / "hw.yaml").write_text(
        "title: t\nproblems:\n  - {id: a, problem: {kind: conv-size, given: {input: 5, kernel: 3}}, ask: {nope: 1}}\n",
        encoding="utf-8",
    )
    result = cli("check", tmp_path / "hw.yaml")
    assert result.code == 2 and "no step or entry named 'nope'" in result.err and "expected one of:" in result.err


def test_a_kinds_symbolic_step_is_graded_by_its_own_symbols(tmp_path):
    """Seed 002's ReLU neuron derived in symbols: the loss is a SymPy expression of w, b, x, y."""
    source = PROBLEMS / "neuron_002_relu_mse_symbolic.yaml"
    (tmp_path / "hw.yaml").write_text(
        f"title: t\nproblems:\n  - {{id: a, file: {source}, ask: {{loss: 2}}}}\n", encoding="utf-8"
    )
    prepared = prepare(load_homework(tmp_path / "hw.yaml"))
    for answer, status in [
        ("(relu(w*x + b) - y)^2", "correct"),
        ("(max(0, b + x*w) - y)^2", "correct"),
        ("(w*x + b - y)^2", "wrong"),  # the ReLU dropped: differs where w·x + b < 0
        ("(relu(w*x + b) - q)^2", "invalid"),
    ]:
        (tmp_path / "s.yaml").write_text(f"student: s\nanswers: {{a: {{loss: '{answer}'}}}}\n", encoding="utf-8")
        (item,) = grade_submission(prepared, read_submission(tmp_path / "s.yaml")).items
        assert item.status == status, (answer, item.feedback)


INLINE = """\
title: Inline problems
problems:
  - id: a
    problem:
      kind: conv-size
      given: {input: 12x12, kernel: 5, stride: 2, padding: 4}
      notation: {padded: "p q"}
    ask: {padded: 1}
  - id: b
    problem:
      kind: conv-size
      given:
        input: 12x12
        kernel: 5
        stride: 2
        surprise: 1
      random:
        draw: {kernal: {range: [3, 5]}}
    ask: {padded: 1}
"""


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda t: t.replace('notation: {padded: "p q"}', ""), "small.yaml:16: problems.1.problem.given.surprise:"),
        (lambda t: t.replace("        surprise: 1\n", ""), "small.yaml:7: problems.0.problem.notation.padded:"),
        (
            lambda t: t.replace("        surprise: 1\n", "").replace('notation: {padded: "p q"}', ""),
            "small.yaml:17: problems.1.problem.random.draw.kernal:",
        ),
    ],
    ids=["given", "notation", "random"],
)
def test_an_error_in_an_inline_problem_names_the_homework_line_and_field(cli, tmp_path, edit, where):
    homework = tmp_path / "small.yaml"
    homework.write_text(edit(INLINE), encoding="utf-8")
    result = cli("solve", homework)
    assert result.code == 2 and result.err.count("\n") == 1
    assert where in result.err, result.err
