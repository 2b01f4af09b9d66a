"""Rosters: nnsolve's own CSV form and a Canvas gradebook export, and what is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.roster import read_roster
from solver.graph.errors import InputError


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_plain_roster_keeps_order_names_and_emails(tmp_path: Path) -> None:
    roster = read_roster(_write(tmp_path, "id,name,email\ns2,Bo,bo@x.edu\ns1,Al,al@x.edu\n\n"))
    assert [s.id for s in roster] == ["s2", "s1"]
    assert roster.find("s1").name == "Al" and roster.find("s1").email == "al@x.edu"
    assert not roster.canvas


def test_student_column_is_an_id_column(tmp_path: Path) -> None:
    assert [s.id for s in read_roster(_write(tmp_path, "student\na\nb\n"))] == ["a", "b"]


def test_canvas_export_skips_points_possible_and_matches_any_id(tmp_path: Path) -> None:
    text = (
        "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Homework 1 (12345)\n"
        "    Points Possible,,,,,10\n"
        '"Lovelace, Ada",101,s1,ada,Sec A,\n'
        '"Turing, Alan",102,,alan,Sec B,\n'
    )
    roster = read_roster(_write(tmp_path, text))
    assert roster.canvas and len(roster) == 2
    ada = roster.find("s1")
    assert ada is roster.find("ada") is roster.find("101")
    assert ada.lms["Section"] == "Sec A" and ada.name == "Lovelace, Ada"
    # Without an SIS User ID, the login is the id nnsolve knows the student by.
    assert roster.find("alan").id == "alan"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        ("name,email\nAl,al@x\n", "no student id column"),
        ("id\ns1\ns1\n", "appears twice"),
        ('id\n"s1\n', "CSV"),
        ("id,name\n,Al\n", "no id"),
    ],
)
def test_bad_rosters_are_refused_with_their_line(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(InputError) as raised:
        read_roster(_write(tmp_path, text))
    assert expected in str(raised.value) and "roster.csv" in str(raised.value)


def test_plain_roster_keeps_the_usernames_and_id_numbers_moodle_and_blackboard_match(tmp_path: Path) -> None:
    roster = read_roster(_write(tmp_path, "id,username,idnumber\ns1,ada,1001\n"))
    ada = roster.find("s1")
    assert (ada.username, ada.idnumber) == ("ada", "1001")
    assert roster.find("ada") is ada  # an answers file may name its student by login
    assert roster.find("1001") is None  # an id number is not an id nnsolve matches


def test_blackboard_download_is_a_roster(tmp_path: Path) -> None:
    text = (
        '"Last Name","First Name","Username","Student ID","Last Access","HW1 [Total Pts: 10 Score] |77"\n'
        '"Lovelace","Ada","ada","s1","",""\n'
        '"Turing","Alan","alan","","",""\n'
    )
    roster = read_roster(_write(tmp_path, text))
    assert [s.id for s in roster] == ["s1", "alan"]  # the Student ID, else the username
    ada = roster.find("ada")
    assert ada is roster.find("s1") and ada.name == "Ada Lovelace" and ada.username == "ada"
    assert not roster.canvas
