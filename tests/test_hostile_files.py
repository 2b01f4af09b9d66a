"""Hostile files and reads: every one is refused with one `nnsolve: error:` line and exit 2, or (an
answers file in a batch) makes that student's items invalid with the reason.

The deep-nesting cases run in a subprocess: before the bounds, they crashed the interpreter itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import PROBLEMS, ROOT

from solver.files.reading import read_bytes
from solver.graph.errors import InputError

HOMEWORK = PROBLEMS / "homework1.yaml"
#: An answers file that exists: the homework is refused before any answers file is read.
ANY_ANSWERS = PROBLEMS / "submissions" / "ada_correct.yaml"
DEEP = "[" * 40_000  # 40 KB: libyaml's composer overflowed the C stack at this depth
POOL_PROBLEM = "kind: pool\ntitle: t\ngiven:\n  window: 1\n  map: {map}\n"


def nnsolve(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command line in a fresh interpreter, so that a crash shows as a signal, not a dead test run."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "COLUMNS": "100"}
    code = "import sys; from solver.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,  # a backstop only: a FIFO that blocked the open would hang here
    )


def assert_refused(code: int, err: str, reason: str) -> None:
    """Exit 2 and exactly one line, nnsolve's own, that gives ``reason``."""
    assert code == 2, err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("nnsolve: error: ") and reason in err, err
    assert "Traceback" not in err and "internal error" not in err


# --- nesting -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "content"),
    [
        ("solve", DEEP),  # a problem file
        ("check", "kind: pool\ngiven: " + DEEP),
        ("grade", "title: t\nproblems: " + DEEP),  # a homework file
    ],
)
def test_deep_nesting_in_problem_and_homework_files(tmp_path, command, content):
    (tmp_path / "deep.yaml").write_text(content, encoding="utf-8")
    args = [command, "deep.yaml"] + ([str(ANY_ANSWERS)] if command == "grade" else [])
    result = nnsolve(*args, cwd=tmp_path)
    assert_refused(result.returncode, result.stderr, "deep.yaml:")
    assert "nested more than 32 deep" in result.stderr


def test_deep_nesting_in_an_answers_file_makes_that_student_invalid(tmp_path):
    (tmp_path / "deep.yaml").write_text("student: s\nanswers: " + DEEP, encoding="utf-8")
    result = nnsolve("grade", HOMEWORK, "deep.yaml", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (report,) = json.loads(result.stdout)
    assert {item["status"] for item in report["items"]} == {"invalid"}
    assert "nested more than 32 deep" in report["items"][0]["feedback"]


@pytest.mark.parametrize("where", ["argument", "file"])
def test_deep_nesting_in_matrix_text(tmp_path, where):
    (tmp_path / "deep.txt").write_text(DEEP, encoding="utf-8")
    result = nnsolve("pool", DEEP if where == "argument" else "deep.txt", "-w", "1", cwd=tmp_path)
    assert_refused(result.returncode, result.stderr, "has more than 3 axes")


@pytest.mark.parametrize(
    "content",
    [
        "- " * 5_000 + "x",  # block sequences inside block sequences on one line
        "".join(" " * i + f"k{i}:\n" for i in range(200)),  # mappings by indentation
        "a: " + "{b: " * 100 + "1" + "}" * 100,
    ],
    ids=["dashes", "indentation", "flow mappings"],
)
def test_block_and_flow_nesting(cli, tmp_path, content):
    (tmp_path / "p.yaml").write_text(content, encoding="utf-8")
    result = cli("solve", tmp_path / "p.yaml")
    assert_refused(result.code, result.err, "lists and mappings nested more than 32 deep")


def test_nesting_that_real_files_use_is_read(cli, tmp_path):
    nested = "given: " + "[" * 30 + "1" + "]" * 30
    (tmp_path / "p.yaml").write_text(f"kind: pool\n{nested}\n", encoding="utf-8")
    # Within the bound: the file is refused for what it holds (no pool problem), not for its depth.
    assert "nested" not in cli("solve", tmp_path / "p.yaml").err


def test_too_many_values(cli, tmp_path):
    (tmp_path / "p.yaml").write_text("given: [" + "1, " * 200_001 + "1]\n", encoding="utf-8")
    result = cli("solve", tmp_path / "p.yaml")
    assert_refused(result.code, result.err, "more than 200000 values")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" + ",".join(["1"] * 4_194_305) + "]", "4194305 entries; expected at most 4194304"),
        (" ".join(["1"] * 4_194_305), "4194305 entries; expected at most 4194304"),
    ],
    ids=["json", "rows"],
)
def test_matrix_entries_are_bounded(tmp_path, cli, text, reason):
    (tmp_path / "m.txt").write_text(text, encoding="utf-8")
    result = cli("pool", tmp_path / "m.txt", "-w", "1")
    assert_refused(result.code, result.err, reason)


# --- numbers -------------------------------------------------------------------------------------

DIGITS = "9" * 5_000


@pytest.mark.parametrize(
    ("map_text", "reason"),
    [
        (f"[1, {DIGITS}]", "a number of 5000 digits; expected at most 100"),
        (f"'1 {DIGITS}'", "row 1, column 2 is a number of 5000 digits; expected at most 100"),
        (f"[[1, {DIGITS}]]", "p.yaml:5: given.map.0.1: a number of 5000 digits; expected at most 100"),
        (f"'[1, {DIGITS}]'", "map: a number of 5000 digits; expected at most 100"),
        ("'[1, NaN]'", "map: NaN is not a finite number"),
        ("[1, .nan]", "p.yaml:5: given.map.1: a number that is not finite"),
        ("[1, -.inf]", "p.yaml:5: given.map.1: a number that is not finite"),
        ("[1, 1e999]", "p.yaml:5: given.map.1: a number that is not finite"),
    ],
    ids=["yaml int", "row text", "nested yaml", "json text", "json nan", ".nan", "-.inf", "1e999"],
)
def test_numbers_in_a_problem_file(cli, tmp_path, map_text, reason):
    (tmp_path / "p.yaml").write_text(POOL_PROBLEM.format(map=map_text), encoding="utf-8")
    result = cli("solve", tmp_path / "p.yaml")
    assert_refused(result.code, result.err, reason)
    assert "4300" not in result.err


@pytest.mark.parametrize("value", [".inf", "1e999", ".nan", DIGITS])
def test_numbers_in_a_homework_file(cli, tmp_path, value):
    (tmp_path / "hw.yaml").write_text(
        f"title: t\ngrading:\n  rtol: {value}\nproblems:\n  - id: q1\n    file: {PROBLEMS / 'conv_size_000_3_1.yaml'}\n"
        "    ask: {output: 1}\n",
        encoding="utf-8",
    )
    result = cli("grade", tmp_path / "hw.yaml", ANY_ANSWERS)
    assert_refused(result.code, result.err, "hw.yaml:3: grading.rtol: a number")


@pytest.mark.parametrize(
    ("value", "reason"),
    [(DIGITS, "5000 characters"), ("-.inf", "not a finite number"), ("1e999", "not a finite number")],
)
def test_numbers_in_an_answers_file_make_only_that_answer_invalid(cli, tmp_path, value, reason):
    (tmp_path / "s.yaml").write_text(f"student: s\nanswers:\n  q1: {{padded_h: {value}, out_h: 8}}\n", encoding="utf-8")
    result = cli("grade", HOMEWORK, tmp_path / "s.yaml", "--json")
    assert result.code == 0, result.err
    (report,) = json.loads(result.out)
    items = {item["step"]: item for item in report["items"] if item["problem"] == "q1"}
    assert items["padded_h"]["status"] == "invalid" and reason in items["padded_h"]["feedback"]
    assert items["out_h"]["status"] != "invalid"


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system", "!!python/name:os.system", "!custom"])
def test_tags_beyond_plain_yaml_are_refused_in_nnsolve_words(cli, tmp_path, tag):
    problem = tmp_path / "p.yaml"
    problem.write_text(f"kind: conv-size\ngiven:\n  input: {tag} [12]\n  kernel: 3\n", encoding="utf-8")
    result = cli("check", problem)
    assert_refused(result.code, result.err, f"p.yaml:3: given.input: not valid YAML: the tag '{tag}' is not allowed")
    assert "constructor" not in result.err

    (tmp_path / "s.yaml").write_text(f"student: s\nanswers:\n  q1: {{padded_h: {tag} [17]}}\n", encoding="utf-8")
    result = cli("grade", HOMEWORK, tmp_path / "s.yaml", "--json")
    (report,) = json.loads(result.out)
    feedback = {item["feedback"] for item in report["items"]}
    assert all(f"the tag '{tag}' is not allowed" in text for text in feedback), feedback


# --- what is read --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/dev/zero", "/dev/zero: expected a problem file, found a character device"),
        ("zero.yaml", "zero.yaml: expected a problem file, found a character device"),  # a symlink to /dev/zero
        (".", "expected a problem file, found a directory"),
    ],
)
@pytest.mark.parametrize("command", ["solve", "check"])
def test_devices_and_directories_are_refused(cli, tmp_path, monkeypatch, command, path, reason):
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    monkeypatch.chdir(tmp_path)
    result = cli(command, path)
    assert_refused(result.code, result.err, reason)


def test_a_homework_file_entry_of_dev_zero(cli, tmp_path):
    (tmp_path / "hw.yaml").write_text(
        "title: t\nproblems:\n  - id: q1\n    file: /dev/zero\n    ask: {output: 1}\n", encoding="utf-8"
    )
    result = cli("grade", tmp_path / "hw.yaml", ANY_ANSWERS)
    assert_refused(result.code, result.err, "/dev/zero: expected a problem file, found a character device")


@pytest.mark.parametrize("name", ["img.txt", "img.npy"])
def test_a_problem_image_that_links_to_dev_zero(cli, tmp_path, name):
    (tmp_path / name).symlink_to("/dev/zero")
    (tmp_path / "p.yaml").write_text(POOL_PROBLEM.format(map=name), encoding="utf-8")
    result = cli("solve", tmp_path / "p.yaml")
    assert_refused(result.code, result.err, "p.yaml:3: given: cannot read the map file")
    assert "found a character device" in result.err


def test_fifos_are_refused_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "p.yaml")
    os.mkfifo(tmp_path / "m.csv")
    result = nnsolve("solve", "p.yaml", cwd=tmp_path)
    assert_refused(result.returncode, result.stderr, "p.yaml: expected a problem file, found a FIFO")
    result = nnsolve("pool", "m.csv", "-w", "1", cwd=tmp_path)
    assert_refused(result.returncode, result.stderr, "'m.csv': expected a file, found a FIFO")


def test_reads_stop_at_the_bound_whatever_the_reported_size(tmp_path):
    status = Path("/proc/self/status")
    if not status.exists():
        pytest.skip("no /proc")
    assert status.stat().st_size == 0  # what the file system reports; the content is longer
    with pytest.raises(InputError, match="more than 16 bytes; expected at most"):
        read_bytes(status, "file", 16)
    (tmp_path / "big.yaml").write_bytes(b"#" * ((1 << 20) + 1))
    with pytest.raises(InputError, match="more than 1048576 bytes; expected at most 1 MiB"):
        read_bytes(tmp_path / "big.yaml", "file", 1 << 20)


# --- .npy files ----------------------------------------------------------------------------------


def _npy_with_header(header: bytes, version: int = 1, data: bytes = b"") -> bytes:
    length = len(header).to_bytes(2 if version == 1 else 4, "little")
    return b"\x93NUMPY" + bytes([version, 0]) + length + header + data


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: np.save(p, np.array([{"a": 1}], dtype=object), allow_pickle=True), "pickled data"),
        (lambda p: np.save(p, np.zeros(2, dtype=[("a", "<f8")])), "expected numbers"),
        (lambda p: np.save(p, np.array(["a", "b"])), "<U1 values; expected numbers"),
        (lambda p: np.save(p, np.zeros((1, 1, 1, 1))), "expected a vector, an H x W matrix or C x H x W"),
        (lambda p: p.write_bytes(_npy_with_header(b" " * 100, version=2)[:12] + b"x"), "bad header"),
        (lambda p: p.write_bytes(b"\x93NUMPY\x02\x00\xff\xff\xff\x7f" + b" " * 64), "header of 2147483647 bytes"),
        (lambda p: p.write_bytes(_npy_with_header(b"{" * 1000)), "bad header"),
        (
            lambda p: p.write_bytes(
                _npy_with_header(b"{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }")
            ),
            "has 10000000000 entries; expected at most 4194304",
        ),
        (
            lambda p: p.write_bytes(
                _npy_with_header(b"{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", data=b"\0" * 24)
            ),
            "announces 32 bytes of data but the file holds 24",
        ),
        (lambda p: p.write_bytes(b"not numpy"), "bad header"),
        (
            lambda p: p.write_bytes(
                _npy_with_header(b"{'descr': '<f8', 'fortran_order': False, 'shape': (10000000000000000000000, 0), }")
            ),
            "has an axis longer than 4194304",
        ),
    ],
    ids=[
        "object",
        "records",
        "text",
        "4 axes",
        "truncated",
        "huge header",
        "deep header",
        "huge shape",
        "short",
        "not npy",
        "empty, with a huge axis",
    ],
)
def test_npy_headers_are_checked_before_the_data(cli, tmp_path, make, reason):
    make(tmp_path / "m.npy")
    result = cli("pool", tmp_path / "m.npy", "-w", "1")
    assert_refused(result.code, result.err, reason)
    assert "allow_pickle" not in result.err


def test_npy_arrays_of_numbers_are_read_in_their_order(tmp_path):
    from solver.files.matrices import load_matrix

    values = np.arange(6.0).reshape(2, 3)
    for name, array in [("c.npy", values), ("f.npy", np.asfortranarray(values)), ("i.npy", values.astype(">i4"))]:
        np.save(tmp_path / name, array)
        assert load_matrix(str(tmp_path / name)).tolist() == [[0, 1, 2], [3, 4, 5]]


# --- paths inside files --------------------------------------------------------------------------


def test_paths_in_a_problem_file_start_at_its_folder(cli, tmp_path, monkeypatch):
    folder = tmp_path / "course" / "week1"
    folder.mkdir(parents=True)
    (folder / "map.txt").write_text("1 5\n7 3\n", encoding="utf-8")
    (folder / "p.yaml").write_text(POOL_PROBLEM.format(map="map.txt").replace("1\n", "2\n"), encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "map.txt").write_text("0 0\n0 0\n", encoding="utf-8")  # must not be the one read
    monkeypatch.chdir(elsewhere)
    result = cli("solve", folder / "p.yaml", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["answers"]["pooled"] == [[7.0]]


def test_paths_in_a_homework_and_its_problem_files(cli, tmp_path, monkeypatch):
    (tmp_path / "hw" / "problems").mkdir(parents=True)
    data = tmp_path / "data"
    data.mkdir()
    np.save(data / "map.npy", np.array([[1.0, 5.0], [7.0, 3.0]]))
    # A relative path inside the problem file starts at the problem file's folder; an absolute one stays.
    (tmp_path / "hw" / "problems" / "p.yaml").write_text(
        POOL_PROBLEM.format(map="../../data/map.npy").replace("1\n", "2\n"), encoding="utf-8"
    )
    (tmp_path / "hw" / "q.yaml").write_text(
        POOL_PROBLEM.format(map=data / "map.npy").replace("1\n", "2\n"), encoding="utf-8"
    )
    (tmp_path / "hw" / "hw.yaml").write_text(
        "title: t\nproblems:\n"
        "  - {id: q1, file: problems/p.yaml, ask: {pooled: 1}}\n"
        f"  - {{id: q2, file: {tmp_path / 'hw' / 'q.yaml'}, ask: {{pooled: 1}}}}\n"
        "  - id: q3\n    problem: {kind: pool, given: {window: 2, map: ../data/map.npy}}\n    ask: {pooled: 1}\n",
        encoding="utf-8",
    )
    (data / "s.yaml").write_text(
        "student: s\nanswers: {q1: {pooled: '7'}, q2: {pooled: '7'}, q3: {pooled: '7'}}\n", encoding="utf-8"
    )
    monkeypatch.chdir(data)
    # Command-line arguments stay relative to the working directory.
    result = cli("grade", "../hw/hw.yaml", "s.yaml", "--json")
    assert result.code == 0, result.err
    (report,) = json.loads(result.out)
    assert [item["status"] for item in report["items"]] == ["correct"] * 3
