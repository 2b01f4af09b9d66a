"""A variant per student: drawing under conditions, seeds, notes, and the commands variants/solve/check/grade."""

from __future__ import annotations

import csv
import importlib.util
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import PROBLEMS

from grader.answers import read_submission
from grader.homework import load_homework
from grader.prepare import prepare
from grader.variants import StudentVariants, student_homework, variant_seed

RANDOM_HOMEWORK = PROBLEMS / "homework1_random.yaml"

#: A small random homework: a size problem and a neuron, each with conditions on its steps.
SMALL = """\
title: Small random homework
salt: {salt}
problems:
  - id: size
    problem:
      kind: conv-size
      given: {{input: 12x12, kernel: 5, stride: 2, padding: 4}}
      random:
        draw:
          input: {{choice: [11x11, 12x12, 13x13, 14x14]}}
          kernel: {{range: [3, 7], step: 2}}
          stride: {{range: [2, 3]}}
          padding: {{range: [0, 3]}}
        conditions: [P < K, moves - floor > 0, out >= 3]
    ask: {{padded: 1, output: 2}}
  - id: net
    problem:
      kind: mlp
      given:
        x: [1, 2]
        y: 3
        layers:
          - {{weights: [[0, 1, 2], [2, 1, 0], [0, 2, 0]], bias: folded, activation: tanh}}
          - {{weights: [[0, 1, 2, 2]], bias: folded, activation: linear}}
        loss: half_squared
      random:
        draw:
          x: {{matrix: "2", range: [-2, 2]}}
          y: {{range: [-2, 2], step: 0.5}}
          layers.0.weights: {{matrix: 3x3, range: [-1, 1], decimals: 1}}
        conditions: [0.2 < abs(z1) < 2]
    ask: {{z1: 1, y_hat: 1, loss: 1}}
"""


def small_homework(folder: Path, salt: str = "s3cret") -> Path:
    path = folder / "small.yaml"
    path.write_text(SMALL.format(salt=salt), encoding="utf-8")
    return path


def write_roster(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([("id", "name"), *rows])
    return path


def key_answers(cli, homework: Path, student: str) -> dict[str, dict]:
    """The asked values of ``student``'s key, as ``solve --student --json`` prints them."""
    result = cli("solve", homework, "--student", student, "--json")
    assert result.code == 0, result.err
    return {problem["id"]: problem["asked"] for problem in json.loads(result.out)["problems"]}


def write_answers(path: Path, student: str, answers: dict, note: str | None = None) -> Path:
    data = {"student": student, **({"note": note} if note else {}), "answers": answers}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# -- seeds and notes --------------------------------------------------------------------------------


def test_the_seed_depends_on_each_of_salt_homework_problem_and_student():
    seed = variant_seed("salt", "Homework 1", "q1", "s001")
    assert seed == variant_seed("salt", "Homework 1", "q1", "s001")
    others = [
        variant_seed("other", "Homework 1", "q1", "s001"),
        variant_seed("salt", "Homework 2", "q1", "s001"),
        variant_seed("salt", "Homework 1", "q2", "s001"),
        variant_seed("salt", "Homework 1", "q1", "s002"),
        variant_seed(None, "Homework 1", "q1", "s001"),
        # The parts are kept apart: moving a character from one to the next is another seed.
        variant_seed("sal", "tHomework 1", "q1", "s001"),
    ]
    assert len({seed, *others}) == len(others) + 1


def test_different_salts_draw_different_variants(tmp_path):
    (tmp_path / "a").mkdir()
    first = load_homework(small_homework(tmp_path / "a"))
    second = load_homework(small_homework(tmp_path, salt="another"))
    notes = [(student_homework(first, s).note, student_homework(second, s).note) for s in ("s1", "s2", "s3")]
    assert all(a != b for a, b in notes)


def test_variants_are_independent_of_the_roster_order(cli, tmp_path):
    homework = small_homework(tmp_path)
    rows = [("s001", "Ada"), ("s002", "Ben"), ("s003", "Cleo")]
    forward = write_roster(tmp_path / "forward.csv", rows)
    backward = write_roster(tmp_path / "backward.csv", rows[::-1])
    assert cli("variants", homework, "--roster", forward, "-o", tmp_path / "f").code == 0
    assert cli("variants", homework, "--roster", backward, "-o", tmp_path / "b").code == 0
    notes = {r["student"]: r["note"] for r in csv.DictReader((tmp_path / "f" / "index.csv").open(encoding="utf-8"))}
    again = {r["student"]: r["note"] for r in csv.DictReader((tmp_path / "b" / "index.csv").open(encoding="utf-8"))}
    assert notes == again and len(set(notes.values())) == 3
    for student in notes:
        name = f"{student}.answers.yaml"
        assert (tmp_path / "f" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
        assert (tmp_path / "f" / f"{student}.html").read_bytes() == (tmp_path / "b" / f"{student}.html").read_bytes()


# -- drawing under conditions ----------------------------------------------------------------------------


def _size_values(drawn: dict) -> tuple[int, int, int, int]:
    return int(drawn["input"].split("x")[0]), drawn["kernel"], drawn["stride"], drawn["padding"]


def test_conditions_hold_on_many_draws(tmp_path):
    """Checked with the formulas written out here, not with the solver's steps or the drawing code."""
    homework = load_homework(small_homework(tmp_path))
    for number in range(60):
        own = student_homework(homework, f"student-{number}")
        height, kernel, stride, padding = _size_values(own.drawn["size"])
        assert kernel in (3, 5, 7) and stride in (2, 3) and 0 <= padding <= 3
        moves = Fraction(height + 2 * padding - kernel, stride)
        assert padding < kernel and moves.denominator != 1 and math.floor(moves) + 1 >= 3
        net = own.drawn["net"]
        weights = np.array(net["layers.0.weights"])
        assert np.all(np.round(weights * 10) == weights * 10) and np.all(np.abs(weights) <= 1)
        assert float(net["y"]) * 2 == int(float(net["y"]) * 2) and -2 <= net["y"] <= 2
        z1 = weights @ np.array([1.0, *net["x"]])  # the bias folded into column 0
        assert np.all((np.abs(z1) > 0.2) & (np.abs(z1) < 2))


def test_a_variant_keeps_each_mistake_the_file_catches_distinguishable(tmp_path):
    """With no padding, 'padding counted once' gives the true size: the file's own data (P = 4) tells it apart,
    so no student gets P = 0, although the range allows it and the conditions do not exclude it."""
    homework = load_homework(small_homework(tmp_path))
    paddings = {_size_values(student_homework(homework, f"s{n}").drawn["size"])[3] for n in range(60)}
    assert 0 not in paddings and len(paddings) > 1


def test_a_spec_no_draw_meets_is_refused_with_the_reason(cli, tmp_path):
    text = SMALL.format(salt="x").replace("out >= 3]", "out >= 300]")
    (tmp_path / "narrow.yaml").write_text(text, encoding="utf-8")
    result = cli("solve", tmp_path / "narrow.yaml", "--student", "s001")
    assert result.code == 2 and result.err.count("\n") == 1
    assert "no good variant in 100 draws" in result.err and "out >= 300 fails" in result.err


# -- bad specs ----------------------------------------------------------------------------------------


BASE = "kind: conv-size\ngiven: {input: 9x6, kernel: 5, stride: 3, padding: 4}\nrandom:\n"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("  draw: {kernel: {range: [5, 3]}}", "random.draw.kernel: range [5, 3] is empty"),
        ("  draw: {kernel: {range: [1, 3], choice: [1]}}", "expected exactly one of range or choice"),
        ("  draw: {kernel: {range: [1, 3], decimals: 1, step: 0.5}}", "expected decimals or step, not both"),
        ("  draw: {kernel: {range: [0.1, 0.3]}}", "holds no number with 0 decimals"),
        ("  draw: {kernel: {range: [1, 3], step: 0.0000001}}", "expected a larger step"),
        ("  draw: {kernel: {matrix: 50x50, range: [1, 3]}}", "sides 1 to 20"),
        ("  draw: {kernal: {range: [1, 3]}}", "random.draw.kernal: given has no 'kernal'"),
        ("  draw: {kernel: {range: [1, .inf]}}", "not finite"),
        ("  draw: {}", "random.draw: expected at least 1 entry"),
        ("  draw: {kernel: {range: [1, 3]}}\n  attempts: 5000", "random.attempts: got 5000"),
        ("  draw: {kernel: {range: [1, 3]}}\n  conditions: [out_h]", "expected a comparison"),
        ("  draw: {kernel: {range: [1, 3]}}\n  conditions: ['__import__(1) > 0']", "names start with a letter"),
        ("  draw: {kernel: {range: [1, 3]}}\n  conditions: ['nope > 0']", "unknown name 'nope'"),
        ("  draw: {kernel: {range: [1, 3]}}\n  conditions: ['out_h > 0 or 1']", "missing operator"),
        ("  draw: {kernel: {range: [1, 3]}}\n  secret: 1", "random.secret: unknown field"),
    ],
)
def test_a_bad_spec_is_one_line_at_its_line(cli, tmp_path, spec, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(BASE + spec + "\n", encoding="utf-8")
    result = cli("check", path)
    assert result.code == 2, result.out
    assert result.err.startswith(f"nnsolve: error: {path}:") and result.err.count("\n") == 1
    assert expected in result.err and "Traceback" not in result.err


# -- nnsolve variants ------------------------------------------------------------------------------------


def test_variants_writes_a_handout_and_a_template_per_student_and_an_index(cli, tmp_path):
    homework = small_homework(tmp_path)
    hostile = '<b>Eve</b> "x"'
    roster = write_roster(tmp_path / "roster.csv", [("s001", "Ada Lovelace"), ("../etc/passwd", hostile)])
    out = tmp_path / "out"
    result = cli("variants", homework, "--roster", roster, "-o", out)
    assert result.code == 0, result.err
    rows = list(csv.DictReader((out / "index.csv").open(encoding="utf-8", newline="")))
    assert [r["student"] for r in rows] == ["s001", "../etc/passwd"]
    pdf = importlib.util.find_spec("typst") is not None
    listed = {name for r in rows for name in r["files"].split(";")}
    assert listed | {"index.csv"} == {p.name for p in out.iterdir()}  # nothing outside the folder, nothing more
    loaded = load_homework(homework)
    for row in rows:
        files = row["files"].split(";")
        assert [Path(f).suffix for f in files] == [".html", *([".pdf"] if pdf else []), ".yaml"]
        own = student_homework(loaded, row["student"])
        assert row["note"] == own.note
        submission = read_submission(out / files[-1])
        assert (submission.student, submission.note, submission.problem) == (row["student"], own.note, None)
        assert set(submission.answers) == {"size", "net"}
        html = (out / files[0]).read_text(encoding="utf-8")
        assert own.note in html and "<b>Eve</b>" not in html
        # The handout shows the student's own drawn data.
        assert str(own.drawn["size"]["input"]).replace("x", "×") in html
        if pdf:
            assert (out / files[1]).read_bytes().startswith(b"%PDF")
    assert rows[1]["name"] == hostile


@pytest.mark.parametrize(
    ("roster", "expected"),
    [
        ("name\nAda\n", "no student id column"),
        ("id,name\ns1,Ada\ns1,Ben\n", "appears twice"),
        ("id,name\n", "the roster lists no student"),
    ],
)
def test_a_bad_roster_writes_nothing(cli, tmp_path, roster, expected):
    (tmp_path / "roster.csv").write_text(roster, encoding="utf-8")
    result = cli("variants", small_homework(tmp_path), "--roster", tmp_path / "roster.csv", "-o", tmp_path / "out")
    assert result.code == 2 and expected in result.err and result.err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster.csv", "small.yaml"]


def test_variants_of_a_homework_with_no_random_problem_is_refused(cli, tmp_path):
    roster = write_roster(tmp_path / "roster.csv", [("s001", "Ada")])
    result = cli("variants", PROBLEMS / "homework1.yaml", "--roster", roster, "-o", tmp_path / "out")
    assert result.code == 2 and "has no random problem" in result.err and result.err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_variants_refuses_a_folder_that_holds_files(cli, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine", encoding="utf-8")
    roster = write_roster(tmp_path / "roster.csv", [("s001", "Ada")])
    result = cli("variants", small_homework(tmp_path), "--roster", roster, "-o", tmp_path / "out")
    assert result.code == 2 and "not an empty folder" in result.err
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["keep.txt"]


# -- grading each student against their own variant ---------------------------------------------------------


def test_a_students_key_grades_full_marks_for_them_and_not_for_another(cli, tmp_path):
    answers = key_answers(cli, RANDOM_HOMEWORK, "s001")
    own = write_answers(tmp_path / "s001.yaml", "s001", answers)
    other = write_answers(tmp_path / "s002.yaml", "s002", answers)
    result = cli("grade", RANDOM_HOMEWORK, own, other, "--json")
    assert result.code == 0, result.err
    mine, theirs = json.loads(result.out)
    assert mine["score"] == mine["max_score"]
    assert theirs["score"] < theirs["max_score"] / 2
    # Only the problems that vary differ: the fixed ones (q3, q10) stay right for anyone.
    right = {i["problem"] for i in theirs["items"] if i["status"] == "correct"}
    assert {"q3", "q10"} <= right and not {"q7", "q8"} & right


def test_an_answers_file_with_another_variants_note_is_invalid(cli, tmp_path):
    homework = small_homework(tmp_path)
    loaded = load_homework(homework)
    answers = key_answers(cli, homework, "s001")
    note = student_homework(loaded, "s001").note
    mismatched = write_answers(tmp_path / "a.yaml", "s002", answers, note=note)
    matching = write_answers(tmp_path / "b.yaml", "s001", answers, note=note)
    result = cli("grade", homework, mismatched, matching, "--json")
    assert result.code == 0, result.err
    wrong_note, right_note = json.loads(result.out)
    assert {i["status"] for i in wrong_note["items"]} == {"invalid"}
    assert f"its note '{note}' is not the note of the variant of student 's002'" in wrong_note["items"][0]["feedback"]
    assert right_note["score"] == right_note["max_score"]


def test_a_class_of_variants_is_graded_on_workers_each_against_their_own(cli, tmp_path):
    homework = small_homework(tmp_path)
    prepared = StudentVariants(prepare(load_homework(homework)))
    folder = tmp_path / "answers"
    folder.mkdir()
    for number in range(36):
        student = f"c{number:02d}"
        # Each student answers with the key of the student before them, except every third one.
        source = student if number % 3 == 0 else f"c{number - 1:02d}"
        own, _ = prepared.prepared_for(source)
        answers = {pid: {s.reference: _answer(s) for s in steps} for pid, steps in own.steps.items()}
        write_answers(folder / f"{student}.yaml", student, answers)
    result = cli("grade", homework, folder, "--json", "--jobs", "2")
    assert result.code == 0, result.err
    reports = json.loads(result.out)
    assert [r["student"] for r in reports] == [f"c{n:02d}" for n in range(36)]
    full = [r["score"] == r["max_score"] for r in reports]
    assert full == [n % 3 == 0 for n in range(36)]


def _answer(step) -> object:
    value = step.expected
    return [float(v) for v in np.ravel(value)] if isinstance(value, np.ndarray) else str(value)


def test_only_the_last_students_preparation_is_kept(tmp_path):
    variants = StudentVariants(prepare(load_homework(small_homework(tmp_path))))
    first = variants.of("s1")
    variants.of("s2")
    assert variants.of("s1") is not first and variants.of("s1").note == first.note


# -- nnsolve check --variants ------------------------------------------------------------------------------


def test_check_variants_self_tests_each_variant(cli):
    result = cli("check", RANDOM_HOMEWORK, "--variants", "4", "--json")
    assert result.code == 0, result.err
    found = json.loads(result.out)
    assert found["ok"] and found["variants"]["ok"] and found["variants"]["failures"] == []
    assert set(found["variants"]["distinct"]) == {"q1", "q2", "q4", "q5", "q6", "q7", "q8", "q9"}


def test_check_variants_reports_a_spec_too_narrow(cli, tmp_path):
    text = SMALL.format(salt="x").replace("{choice: [11x11, 12x12, 13x13, 14x14]}", "{choice: [12x12]}")
    text = text.replace("kernel: {range: [3, 7], step: 2}", "kernel: {range: [5, 5]}")
    text = text.replace("stride: {range: [2, 3]}", "stride: {range: [2, 2]}")
    (tmp_path / "narrow.yaml").write_text(text, encoding="utf-8")
    result = cli("check", tmp_path / "narrow.yaml", "--variants", "8", "--json")
    found = json.loads(result.out)["variants"]
    assert found["too_narrow"] == ["size"] and found["distinct"]["size"] <= 3
    result = cli("check", tmp_path / "narrow.yaml", "--variants", "8")
    assert "size: " in result.out and "too narrow" in result.out


def test_check_variants_fails_when_no_variant_can_be_drawn(cli, tmp_path):
    (tmp_path / "none.yaml").write_text(SMALL.format(salt="x").replace("out >= 3]", "out >= 300]"), encoding="utf-8")
    result = cli("check", tmp_path / "none.yaml", "--variants", "3")
    assert result.code == 3
    assert "no good variant" in result.out and "(3 of 3 variants)" in result.out
    # The other problem was not drawn for those students: not counted, so not called too narrow.
    assert "net: no variant drawn" in result.out and "too narrow" not in result.out


def test_solve_student_of_a_fixed_homework_or_a_problem_is_refused(cli):
    assert "has no random problem" in cli("solve", PROBLEMS / "homework1.yaml", "--student", "s1").err
    result = cli("solve", PROBLEMS / "conv_000_vertical_edge.yaml", "--student", "s1")
    assert result.code == 2 and "--student takes a homework file" in result.err
    result = cli("check", PROBLEMS / "conv_000_vertical_edge.yaml", "--variants", "3")
    assert result.code == 2 and "--variants takes a homework file" in result.err
    result = cli("check", PROBLEMS / "homework1.yaml", "--variants", "3")
    assert result.code == 2 and "has no random problem" in result.err


def test_grading_a_class_keeps_no_students_variant_but_the_last(tmp_path):
    """Per-student preparation must not grow with the class: earlier students' solutions are freed."""
    import gc

    from grader.answers import Submission
    from grader.grading import grade_submission
    from grader.mistakes import _RECOMPUTED

    gc.collect()
    before = len(_RECOMPUTED)  # other tests' homeworks, still alive
    prepared = prepare(load_homework(small_homework(tmp_path)))
    for number in range(30):
        grade_submission(prepared, Submission(f"s{number}", "", "(test)", {"size": {"padded": 1}}))
    gc.collect()
    # The file's own solutions (2 problems) and the last student's (2): none of the 29 before.
    assert len(_RECOMPUTED) - before <= 4


def test_a_variant_that_cannot_be_drawn_leaves_no_folder_behind(cli, tmp_path):
    (tmp_path / "none.yaml").write_text(SMALL.format(salt="x").replace("out >= 3]", "out >= 300]"), encoding="utf-8")
    roster = write_roster(tmp_path / "roster.csv", [("s001", "Ada"), ("s002", "Ben")])
    result = cli("variants", tmp_path / "none.yaml", "--roster", roster, "-o", tmp_path / "out")
    assert result.code == 2 and "no good variant" in result.err and result.err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["none.yaml", "roster.csv"]  # no partial folder either


def test_gradescope_grades_the_metadata_students_own_variant(cli, tmp_path):
    """The identity comes from Gradescope's metadata, and with it the variant graded against."""
    source = tmp_path / "autograder" / "source"
    course = source / "course"
    course.mkdir(parents=True)
    homework = small_homework(course)
    (source / "nnsolve-autograder.json").write_text(
        json.dumps({"homework": "course/small.yaml", "expected_after_due_date": False}), encoding="utf-8"
    )
    root = source.parent
    (root / "submission").mkdir()
    # The file claims student s002, but the upload is s001's: s001's variant is graded.
    write_answers(root / "submission" / "answers.yaml", "s002", key_answers(cli, homework, "s001"))
    results = {}
    for sid in ("s001", "s002"):
        (root / "submission_metadata.json").write_text(json.dumps({"users": [{"sid": sid}]}), encoding="utf-8")
        assert cli("gradescope", "run", "--root", root).code == 0
        results[sid] = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    full = sum(test["max_score"] for test in results["s001"]["tests"])
    assert sum(test["score"] for test in results["s001"]["tests"]) == full > 0
    assert sum(test["score"] for test in results["s002"]["tests"]) < full


def test_a_student_known_to_the_canvas_roster_by_another_id_gets_their_own_variant(cli, tmp_path):
    """The sheet was made for the roster's id (SIS User ID); a student may write their Canvas ID or login."""
    homework = small_homework(tmp_path)
    answers = key_answers(cli, homework, "s001")
    roster = tmp_path / "canvas.csv"
    roster.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section\n    Points Possible,,,,\n\"Lovelace, Ada\",101,s001,ada,A\n",
        encoding="utf-8",
    )
    by_canvas_id = write_answers(tmp_path / "a.yaml", "101", answers)
    note = student_homework(load_homework(homework), "s001").note
    by_login = write_answers(tmp_path / "b.yaml", "ada", answers, note=note)
    for answers_file in (by_canvas_id, by_login):
        out = tmp_path / f"{answers_file.stem}.csv"
        result = cli("grade", homework, answers_file, "--roster", roster, "--gradebook", "canvas", "-o", out)
        assert result.code == 0, result.err
        rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
        column = list(rows[0])[-1]  # the assignment's, after Canvas's five id columns
        possible = next(row for row in rows if row["Student"].strip() == "Points Possible")
        ada = next(row for row in rows if row["SIS User ID"] == "s001")
        assert float(ada[column]) == float(possible[column]) > 0


def test_the_index_keeps_roster_text_that_would_start_a_formula_inert(cli, tmp_path):
    homework = small_homework(tmp_path)
    roster = write_roster(tmp_path / "roster.csv", [("s001", '=HYPERLINK("http://x")'), ("@s2", "Bo")])
    out = tmp_path / "out"
    assert cli("variants", homework, "--roster", roster, "-o", out).code == 0
    rows = list(csv.DictReader((out / "index.csv").open(encoding="utf-8", newline="")))
    assert [(r["student"], r["name"]) for r in rows] == [("s001", '\'=HYPERLINK("http://x")'), ("'@s2", "Bo")]
