"""Grading a class: streamed, on several workers, in order, whatever one student's file does."""

from __future__ import annotations

import csv
import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import PROBLEMS

from grader.answers import read_submission
from grader.grading import grade_submission
from grader.homework import load_homework
from grader.prepare import prepare

HOMEWORK = PROBLEMS / "homework1.yaml"
SAMPLES = sorted((PROBLEMS / "submissions").glob("*.yaml"))


@pytest.fixture(scope="module")
def prepared():
    return prepare(load_homework(HOMEWORK))


def make_class(directory: Path, students: int) -> list[Path]:
    """``students`` files cycling through the samples, each under its own id (c000, c001, ...)."""
    paths = []
    for number in range(students):
        text = SAMPLES[number % len(SAMPLES)].read_text(encoding="utf-8")
        text = re.sub(r"^student: .*$", f"student: c{number:03d}", text, count=1, flags=re.M)
        path = directory / f"c{number:03d}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def gradebook_of(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_class_is_graded_in_order_as_each_file_alone(cli, tmp_path, prepared, jobs):
    paths = make_class(tmp_path, 40)
    gradebook = tmp_path / "out.csv"
    result = cli("grade", HOMEWORK, tmp_path, "--json", "--csv", gradebook, "--jobs", jobs)
    assert result.code == 0, result.err
    alone = [grade_submission(prepared, read_submission(p)).to_json() for p in paths]
    assert json.loads(result.out) == alone
    assert result.out == json.dumps(alone, indent=2, ensure_ascii=False) + "\n"
    rows = gradebook_of(gradebook)
    assert [r[0] for r in rows[1:]] == [f"c{n:03d}" for n in range(40)]
    assert [float(r[-2]) for r in rows[1:]] == [r["score"] for r in alone]


def test_no_students_is_an_empty_json_array(cli, tmp_path):
    (tmp_path / "notes.txt").write_text("not an answers file", encoding="utf-8")
    result = cli("grade", HOMEWORK, tmp_path, "--json")
    assert result.code == 2 and "no answers files found" in result.err


def test_one_line_per_student_when_piped_with_the_count_of_each_status(cli, tmp_path):
    make_class(tmp_path, 8)
    lines = cli("grade", HOMEWORK, tmp_path).out.splitlines()
    reports = json.loads(cli("grade", HOMEWORK, tmp_path, "--json").out)
    assert len(lines) == 9 and lines[-1].startswith("Class: 8 students")
    for line, report in zip(lines, reports, strict=False):
        if all(i["status"] == "invalid" for i in report["items"]):
            assert line.startswith(f"{report['student']}: 0 / 54 — every item invalid:")
            continue
        counts = Counter(i["status"] for i in report["items"])
        for status, count in counts.items():
            assert f"{count} {status}" in line, line
    assert lines[0] == "c000 (Ada Lovelace): 54 / 54 (100%) — 34 correct"


def fail_for(student: str, failure):
    """grade_submission, except that judging one student's answers fails as ``failure`` says."""

    def grade(prepared, submission):
        if submission.student == student and submission.problem is None:
            failure()
        return grade_submission(prepared, submission)

    return grade


def raise_error():
    raise ZeroDivisionError("a library's own words")


def kill_process():
    os._exit(9)


@pytest.mark.parametrize(
    ("jobs", "failure", "reason"),
    [
        ("1", raise_error, "internal error (ZeroDivisionError) while grading"),
        ("2", raise_error, "internal error (ZeroDivisionError) while grading"),
        ("2", kill_process, "grading this file ended its process abruptly"),
    ],
)
def test_one_student_failing_never_stops_the_class(cli, tmp_path, monkeypatch, jobs, failure, reason):
    from grader import batch

    monkeypatch.setattr(batch, "grade_submission", fail_for("c005", failure))
    (tmp_path / "class").mkdir()
    make_class(tmp_path / "class", 40)
    gradebook = tmp_path / "grades.csv"
    result = cli("grade", HOMEWORK, tmp_path / "class", "--json", "--csv", gradebook, "--jobs", jobs)
    assert result.code == 0, result.err
    reports = json.loads(result.out)
    assert [r["student"] for r in reports] == [f"c{n:03d}" for n in range(40)]
    failed = reports[5]
    assert {i["status"] for i in failed["items"]} == {"invalid"} and failed["score"] == 0
    assert {i["feedback"] for i in failed["items"]} == {f"answers file unusable: {reason}"}
    assert "a library's own words" not in result.out
    # c000, c008, ... are Ada, right everywhere; the others keep their own grades
    assert all(reports[n]["score"] == 54 for n in range(0, 40, 8))
    assert len(gradebook_of(gradebook)) == 41


def test_file_text_is_never_read_as_markup(cli, tmp_path):
    (tmp_path / "s.yaml").write_text(
        'student: "[/]"\nname: "[bold red]x[/]"\nanswers:\n  q1: {padded_h: "[/] 17", out_h: "[link=x]5"}\n',
        encoding="utf-8",
    )
    for layout in ("--tables", "--lines"):
        result = cli("grade", HOMEWORK, tmp_path / "s.yaml", layout)
        assert result.code == 0, result.err
        assert "[/] ([bold red]x[/]): 0 / 54 (0%)" in result.out
    assert "[/] 17" in cli("grade", HOMEWORK, tmp_path / "s.yaml", "--tables").out


def words_of(item: dict) -> list[str]:
    return item["feedback"].split()


@pytest.mark.parametrize("columns", ["80", "100", "120", "200"])
def test_tables_never_split_a_word_and_show_all_the_feedback(cli, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", columns)
    sample = PROBLEMS / "submissions" / "cleo_carried_forward.yaml"
    (report,) = json.loads(cli("grade", HOMEWORK, sample, "--json").out)
    shown = cli("grade", HOMEWORK, sample, "--tables").out
    lines = shown.splitlines()
    assert all(len(line.rstrip()) <= int(columns) for line in lines)
    words = {w for line in lines for w in line.split()}
    # Every word of every feedback is on one line, whole: so is the full feedback.
    for item in report["items"]:
        assert set(words_of(item)) <= words, item["feedback"]
    for whole in ("feedback", "carried_forward", "0.00034829", "0.00035956", "-0.0152489,"):
        assert whole in words, whole
    is_table = lines[1].split()[:2] == ["question", "step"]
    assert is_table == (int(columns) >= 120)  # a table when it fits without splitting a word, else blocks


def test_a_path_that_does_not_exist_is_a_usage_error_and_nothing_is_written(cli, tmp_path):
    gradebook = tmp_path / "grades.csv"
    result = cli("grade", HOMEWORK, PROBLEMS / "submissions", tmp_path / "nothere.yaml", "--csv", gradebook)
    assert result.code == 2 and result.out == ""
    assert result.err == f"nnsolve: error: {tmp_path / 'nothere.yaml'}: no such file or directory; " + (
        "expected answers files or directories of them\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_two_files_for_one_student_are_an_error_unless_the_last_is_kept(cli, tmp_path):
    ada = (PROBLEMS / "submissions" / "ada_correct.yaml").read_text(encoding="utf-8")
    blank = 'student: s01\nname: Ada Lovelace\nanswers:\n  q1: {padded_h: ""}\n'
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "a.yaml").write_text(ada, encoding="utf-8")
    (tmp_path / "class" / "b.yaml").write_text("student: s09\nanswers: {q1: {padded_h: 17}}\n", encoding="utf-8")
    (tmp_path / "class" / "c.yaml").write_text(blank, encoding="utf-8")
    gradebook = tmp_path / "grades.csv"
    gradebook.write_text("the previous gradebook\n", encoding="utf-8")

    refused = cli("grade", HOMEWORK, tmp_path / "class", "--csv", gradebook)
    assert refused.code == 2
    assert refused.err.startswith("nnsolve: error: student 's01' is in two answers files, ")
    assert gradebook.read_text(encoding="utf-8") == "the previous gradebook\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["class", "grades.csv"]

    kept = cli("grade", HOMEWORK, tmp_path / "class", "--csv", gradebook, "--keep-last")
    assert kept.code == 0, kept.err
    assert "c.yaml replaces" in kept.err
    rows = gradebook_of(gradebook)
    # s09's padded_h is right (1 point); the later s01 file answers nothing (a blank is missing)
    assert [(r[0], r[-2]) for r in rows[1:]] == [("s09", "1"), ("s01", "0")]
    assert "Class: 2 students, mean 0.50 / 54" in kept.out


def test_a_blank_answer_is_missing_not_invalid(cli, tmp_path):
    (tmp_path / "s.yaml").write_text(
        'student: s1\nanswers:\n  q1: {padded_h: "", out_h: "   ", out_w: 4}\n  q7: {"dL/dW1[1,1]": " "}\n',
        encoding="utf-8",
    )
    (report,) = json.loads(cli("grade", HOMEWORK, tmp_path / "s.yaml", "--json").out)
    status = {(i["problem"], i["step"]): (i["status"], i["feedback"]) for i in report["items"]}
    assert status["q1", "padded_h"] == status["q1", "out_h"] == ("missing", "no answer")
    assert status["q7", "dL/dW1[1,1]"] == ("missing", "no answer")
    assert status["q1", "out_w"][0] == "correct"


def test_an_untouched_template_is_named_and_a_filled_one_is_graded_under_its_file_name(cli, tmp_path):
    template = cli("answer-template", HOMEWORK).out
    (tmp_path / "untouched.yaml").write_text(template, encoding="utf-8")
    filled = template.replace("    padded_h:", "    padded_h: 17", 1)
    (tmp_path / "filled.yaml").write_text(filled, encoding="utf-8")
    lines = cli("grade", HOMEWORK, tmp_path).out.splitlines()
    assert lines[0].startswith("filled (Your Name): 1 / 54 (2%) — 1 correct, 33 missing")
    assert lines[1] == (
        "untouched: 0 / 54 — every item invalid: answers file unusable: "
        "the answers template, untouched: no id and no answer"
    )


def test_answers_the_homework_does_not_ask_are_reported_to_the_student(cli, tmp_path):
    (tmp_path / "s.yaml").write_text(
        "student: s1\nanswers:\n  q1: {padded_h: 17, stride: 3}\n  q42: {x: 1}\n", encoding="utf-8"
    )
    (report,) = json.loads(cli("grade", HOMEWORK, tmp_path / "s.yaml", "--json").out)
    stray = [(i["problem"], i["step"], i["status"], i["max_score"]) for i in report["items"] if i["max_score"] == 0]
    assert sorted(stray) == [("q1", "stride", "invalid", 0.0), ("q42", "", "invalid", 0.0)]
    assert "1 correct" in cli("grade", HOMEWORK, tmp_path / "s.yaml").out
