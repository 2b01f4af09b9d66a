"""Gradebooks the LMSs import: real CSV files parsed back, matched to rosters, refused when they cannot be right."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import PROBLEMS

from grader.answers import read_submission
from grader.gradebook import GRADEBOOKS, Assignment, Gradebook
from grader.grading import grade_submission
from grader.homework import load_homework
from grader.prepare import prepare

HOMEWORK = PROBLEMS / "homework1.yaml"
SAMPLES = PROBLEMS / "submissions"
#: Four students of the samples, by their answers files.
CLASS = ("ada_correct", "ben_rounded", "cleo_carried_forward", "eve_dense_mistakes")

CANVAS_ROSTER = (
    "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Homework 1 (12345)\n"
    "    Points Possible,,,,,54\n"
    '"Lovelace, Ada",101,s01,ada,Sec A,\n'  # found by its SIS User ID
    '"Rounder, Ben",102,,s02,Sec A,\n'  # by its SIS Login ID
    '"Carry, Cleo",s03,,,Sec B,\n'  # by its Canvas ID
    '"Gradient, Eve",105,s05,eve,Sec B,\n'
    '"Absent, Zoe",109,s09,zoe,Sec B,\n'  # no submission
)
PLAIN_ROSTER = (
    "id,name,email,username,idnumber\n"
    "s01,Ada Lovelace,ada@uni.edu,ada,1001\n"
    "s02,Ben Rounder,ben@uni.edu,ben,1002\n"
    "s03,Cleo Carry,cleo@uni.edu,cleo,1003\n"
    "s05,Eve Gradient,eve@uni.edu,eve,1005\n"
    "s09,Zoe Absent,zoe@uni.edu,zoe,1009\n"
)


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A folder of submissions: four students of the roster and one stranger (x99) who is not on it."""
    folder = tmp_path / "class"
    folder.mkdir()
    for name in CLASS:
        shutil.copy(SAMPLES / f"{name}.yaml", folder)
    stranger = (SAMPLES / "finn_partial.yaml").read_text(encoding="utf-8").replace("student: s06", "student: x99")
    (folder / "stranger.yaml").write_text(stranger, encoding="utf-8")
    return folder


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _scores(cli, folder: Path) -> dict[str, tuple[float, float]]:
    """Each student's (score, maximum) as ``grade --json`` reports them: the reference for every gradebook."""
    result = cli("grade", HOMEWORK, folder, "--json")
    assert result.code == 0, result.err
    return {r["student"]: (r["score"], r["max_score"]) for r in json.loads(result.out)}


def test_canvas_gradebook_copies_the_exports_ids_and_leaves_absent_students_empty(cli, tmp_path, course):
    roster = _write(tmp_path / "canvas.csv", CANVAS_ROSTER)
    out = tmp_path / "canvas_import.csv"
    args = ("--gradebook", "canvas", "-o", out, "--roster", roster, "--assignment", "Homework 1 (12345)")
    result = cli("grade", HOMEWORK, course, "--lines", *args)
    assert result.code == 0, result.err
    rows = _rows(out)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Homework 1 (12345)"]
    scores = _scores(cli, course)
    assert rows[1] == ["Points Possible", "", "", "", "", f"{scores['s01'][1]:g}"]
    by_name = {row[0]: row for row in rows[2:]}
    assert by_name.keys() == {"Lovelace, Ada", "Rounder, Ben", "Carry, Cleo", "Gradient, Eve", "Absent, Zoe"}
    assert by_name["Lovelace, Ada"][:5] == ["Lovelace, Ada", "101", "s01", "ada", "Sec A"]
    assert by_name["Carry, Cleo"][:5] == ["Carry, Cleo", "s03", "", "", "Sec B"]
    for name, student in (("Lovelace, Ada", "s01"), ("Rounder, Ben", "s02"), ("Carry, Cleo", "s03")):
        assert float(by_name[name][5]) == pytest.approx(scores[student][0])
    assert float(by_name["Gradient, Eve"][5]) == pytest.approx(scores["s05"][0])
    # Not 0: an empty cell, which Canvas shows as ungraded.
    assert by_name["Absent, Zoe"][5] == ""
    assert "x99" not in out.read_text(encoding="utf-8")
    assert "x99: not on the roster" in result.err and "stranger.yaml" in result.err
    assert "s09: on the roster, no submission" in result.err
    assert f"gradebook written to {out}" in result.out


def test_canvas_without_a_roster_takes_the_answers_ids_as_sis_user_ids(cli, tmp_path, course):
    out = tmp_path / "canvas_import.csv"
    assert cli("grade", HOMEWORK, course, "--gradebook", "canvas", "-o", out).code == 0
    rows = _rows(out)
    assert rows[0][-1] == load_homework(HOMEWORK).title
    assert sorted(row[2] for row in rows[2:]) == ["s01", "s02", "s03", "s05", "x99"]
    assert {row[2]: row[0] for row in rows[2:]}["s01"] == "Ada Lovelace"


@pytest.mark.parametrize(
    ("identifier", "heading", "ada"),
    [("email", "Email address", "ada@uni.edu"), ("username", "Username", "ada"), ("idnumber", "ID number", "1001")],
)
def test_moodle_gradebook_has_the_chosen_identifier_a_grade_and_feedback(
    cli, tmp_path, course, identifier, heading, ada
):
    roster = _write(tmp_path / "roster.csv", PLAIN_ROSTER)
    out = tmp_path / "moodle.csv"
    args = ("--gradebook", "moodle", "--moodle-id", identifier, "-o", out, "--roster", roster, "--assignment", "HW1")
    assert cli("grade", HOMEWORK, course, *args).code == 0
    rows = _rows(out)
    assert rows[0] == [heading, "HW1", "HW1 (feedback)"]
    by_id = {row[0]: row for row in rows[1:]}
    assert len(rows) == 6 and ada in by_id
    scores = _scores(cli, course)
    assert float(by_id[ada][1]) == pytest.approx(scores["s01"][0])
    absent = next(row for row in rows[1:] if "zoe" in row[0] or row[0] == "1009")
    assert absent[1:] == ["", ""]
    # Eve's named mistakes reach her feedback, one line per item not fully right.
    eve = next(row for row in rows[1:] if "eve" in row[0] or row[0] == "1005")
    assert eve[2].startswith(f"{round(scores['s05'][0], 2):g} / {scores['s05'][1]:g}\n")
    assert "q7 z1: mistake (" in eve[2]


def test_moodle_refuses_a_roster_without_the_identifier(cli, tmp_path, course):
    roster = _write(tmp_path / "roster.csv", "id,name,email\ns01,Ada,ada@uni.edu\ns02,Ben,\n")
    out = tmp_path / "moodle.csv"
    result = cli("grade", HOMEWORK, course, "--gradebook", "moodle", "-o", out, "--roster", roster)
    assert result.code == 2 and result.err.count("\n") == 1
    assert result.err.startswith("nnsolve: error: student 's02' has no email on the roster")
    assert not out.exists()


def test_blackboard_gradebook_from_a_grade_center_download(cli, tmp_path, course):
    download = (
        '"Last Name","First Name","Username","Student ID","Last Access","HW1 [Total Pts: 54 Score] |77"\n'
        '"Lovelace","Ada","ada","s01","2026-01-01",""\n'
        '"Rounder","Ben","brounder","","2026-01-01",""\n'  # found by its username
        '"Absent","Zoe","zoe","s09","2026-01-01",""\n'
    )
    roster = _write(tmp_path / "download.csv", download)
    shutil.copy(course / "ben_rounded.yaml", course / "ben_by_login.yaml")
    (course / "ben_rounded.yaml").unlink()
    text = (course / "ben_by_login.yaml").read_text(encoding="utf-8").replace("student: s02", "student: brounder")
    (course / "ben_by_login.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / "blackboard.csv"
    args = ("--gradebook", "blackboard", "--column-id", "77", "--assignment", "HW1", "-o", out, "--roster", roster)
    result = cli("grade", HOMEWORK, course, *args)
    assert result.code == 0, result.err
    rows = _rows(out)
    scores = _scores(cli, course)
    assert rows[0] == ["Username", f"HW1 [Total Pts: {scores['s01'][1]:g} Score] |77"]
    grades = dict(rows[1:])
    assert grades.keys() == {"ada", "brounder", "zoe"}
    assert float(grades["ada"]) == pytest.approx(scores["s01"][0])
    assert float(grades["brounder"]) == pytest.approx(scores["brounder"][0])
    assert grades["zoe"] == ""
    # Blackboard wants every field of a comma-separated file quoted.
    assert all(line.startswith('"') and line.endswith('"') for line in out.read_text(encoding="utf-8").splitlines())


def test_plain_csv_with_a_roster_has_an_empty_row_for_an_absent_student(cli, tmp_path, course):
    roster = _write(tmp_path / "roster.csv", PLAIN_ROSTER)
    out = tmp_path / "steps.csv"
    assert cli("grade", HOMEWORK, course, "--gradebook", "csv", "-o", out, "--roster", roster).code == 0
    rows = _rows(out)
    assert rows[0][:2] == ["student", "name"] and rows[0][-2:] == ["total", "max"]
    zoe = next(row for row in rows if row[0] == "s09")
    assert zoe[1] == "Zoe Absent" and set(zoe[2:-1]) == {""} and zoe[-1] == rows[1][-1]
    assert [row[0] for row in rows[1:]].count("x99") == 0


def test_keep_last_replaces_a_row_and_keeps_the_points_possible_row(cli, tmp_path, course):
    later = (SAMPLES / "dev_size_mistakes.yaml").read_text(encoding="utf-8").replace("student: s04", "student: s01")
    (course / "zz_ada_again.yaml").write_text(later, encoding="utf-8")
    out = tmp_path / "canvas.csv"
    roster = _write(tmp_path / "canvas.csv.roster", CANVAS_ROSTER)
    args = ("--gradebook", "canvas", "-o", out, "--roster", roster, "--keep-last")
    assert cli("grade", HOMEWORK, course, *args).code == 0
    rows = _rows(out)
    assert rows[1][0] == "Points Possible" and len(rows) == 2 + 5
    ada = [row for row in rows if row[2] == "s01"]
    prepared = prepare(load_homework(HOMEWORK))
    expected = grade_submission(prepared, read_submission(course / "zz_ada_again.yaml")).score
    assert len(ada) == 1 and float(ada[0][5]) == pytest.approx(expected)


def test_one_roster_student_under_two_ids_is_refused(cli, tmp_path, course):
    again = (course / "ada_correct.yaml").read_text(encoding="utf-8").replace("student: s01", "student: ada")
    (course / "ada_by_login.yaml").write_text(again, encoding="utf-8")
    roster = _write(tmp_path / "canvas.csv", CANVAS_ROSTER)
    out = tmp_path / "out.csv"
    result = cli("grade", HOMEWORK, course, "--gradebook", "canvas", "-o", out, "--roster", roster)
    assert result.code == 2 and result.err.count("\n") == 1 and "both for student 's01'" in result.err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".") or p.name == "out.csv"] == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--gradebook", "sakai", "-o", "{out}"), "--gradebook: unknown gradebook 'sakai'; expected one of: canvas,"),
        (("--gradebook", "canvas"), "expected -o FILE"),
        (("-o", "{out}"), "expected --gradebook"),
        (("--csv", "{out}", "--gradebook", "canvas"), "expected one of them"),
        (("--gradebook", "moodle", "--moodle-id", "phone", "-o", "{out}"), "unknown Moodle identifier 'phone'"),
        (("--gradebook", "blackboard", "-o", "{out}"), "needs --column-id"),
        (("--gradebook", "blackboard", "--column-id", "7|8", "-o", "{out}"), "got '7|8'"),
        (("--roster", "{roster}"), "--roster is for a gradebook or feedback"),
        (("--gradebook", "canvas", "-o", "{out}", "--roster", "{bad_roster}"), "no student id column"),
        (("--gradebook", "canvas", "-o", "{missing}/out.csv"), "cannot write the gradebook"),
    ],
)
def test_bad_gradebook_requests_are_one_line_and_write_nothing(cli, tmp_path, course, args, expected):
    roster = _write(tmp_path / "roster.csv", PLAIN_ROSTER)
    bad_roster = _write(tmp_path / "bad.csv", "name,email\nAda,ada@uni.edu\n")
    paths = {"out": tmp_path / "out.csv", "roster": roster, "bad_roster": bad_roster, "missing": tmp_path / "no"}
    before = sorted(p.name for p in tmp_path.iterdir())
    result = cli("grade", HOMEWORK, course, *(str(a).format(**paths) for a in args))
    assert result.code == 2, result.err
    assert result.err.startswith("nnsolve: error: ") and result.err.count("\n") == 1
    assert expected in result.err and "Traceback" not in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_rows_are_written_as_students_are_graded(tmp_path):
    """Streamed: a student's row is in the file before the class is done, and no report is kept."""
    prepared = prepare(load_homework(HOMEWORK))
    report = grade_submission(prepared, read_submission(SAMPLES / "ada_correct.yaml"))
    path = tmp_path / "book.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        book = Gradebook(out, GRADEBOOKS["canvas"], Assignment(prepared, "HW1"))
        book.add(report)
        out.flush()
        written = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        assert written[2][:3] == ["Ada Lovelace", "", "s01"]
        assert not any(isinstance(value, type(report)) for value in vars(book).values())


@pytest.mark.parametrize("name", GRADEBOOKS)
def test_every_gradebook_has_a_row_per_roster_student_and_no_zero_for_the_absent(cli, tmp_path, course, name):
    """Run for each entry of the registry: the next format is covered without a new test."""
    roster = _write(tmp_path / "roster.csv", PLAIN_ROSTER)
    out = tmp_path / "book.csv"
    args = ("--gradebook", name, "-o", out, "--roster", roster, "--column-id", "77")
    assert cli("grade", HOMEWORK, course, *args).code == 0
    rows = _rows(out)
    leading = 2 if rows[1][0] == "Points Possible" else 1
    assert len(rows) - leading == len(PLAIN_ROSTER.splitlines()) - 1
    zoe = next(row for row in rows if {"s09", "zoe", "zoe@uni.edu", "Zoe Absent"} & set(row))
    assert "0" not in zoe and "" in zoe
    assert not any("x99" in cell for row in rows for cell in row)


@pytest.mark.parametrize("name", GRADEBOOKS)
def test_text_that_would_start_a_formula_stays_text(cli, tmp_path, name):
    """A spreadsheet opening the gradebook must not run a name or id from an answers file as a formula."""
    folder = tmp_path / "class"
    folder.mkdir()
    text = (SAMPLES / "ada_correct.yaml").read_text(encoding="utf-8")
    text = text.replace("student: s01", "student: '@SUM(A1)'").replace("Ada Lovelace", "'=HYPERLINK(\"x\")'")
    (folder / "hostile.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / "book.csv"
    assert cli("grade", HOMEWORK, folder, "--gradebook", name, "-o", out, "--column-id", "7").code == 0
    cells = [cell for row in _rows(out) for cell in row]
    assert "'@SUM(A1)" in cells
    assert name in ("blackboard", "moodle") or '\'=HYPERLINK("x")' in cells  # their rows hold no name
    assert not any(cell[:1] in ("=", "@", "+") for cell in cells)
    assert all(cell == "" or cell[0] != "-" or float(cell) < 0 for cell in cells)


def test_an_unreadable_file_is_listed_as_such_not_as_a_stranger(cli, tmp_path, course):
    """A file that cannot say whose it is stands under its file name: that name is no student id."""
    (course / "garbage.yaml").write_text("student: [unclosed\n", encoding="utf-8")
    roster = _write(tmp_path / "canvas.csv", CANVAS_ROSTER)
    out = tmp_path / "canvas_import.csv"
    result = cli("grade", HOMEWORK, course, "--lines", "--gradebook", "canvas", "-o", out, "--roster", roster)
    assert result.code == 0, result.err
    line = next(line for line in result.err.splitlines() if "garbage" in line)
    assert "its student is not known" in line and "not on the roster" not in line
    assert "x99: not on the roster" in result.err
