"""Problem files: validation errors name the file, the line and the field; schema; light imports."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from conftest import PROBLEMS


def write(tmp_path, text: str):
    path = tmp_path / "problem.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind: conv-size\ngiven:\n  input: 12\n  kernel: 3\n  strid: 2\n", ":5: given.strid: unknown field"),
        ("kind: conv-size\ngiven:\n  input: 12\n", ":2: given.kernel: missing field"),
        ("kind: conv-size\ngiven:\n  input: 12\n  kernel: 3\n  stride: 0\n", ":5: given.stride: stride must be"),
        (
            "kind: conv-size\ngiven:\n  input: 12\n  kernel: [3, 1.5]\n",
            ":4: given.kernel.1: got 1.5; expected a whole number",
        ),
        ("kind: conv-size\ngiven:\n  input: 12\n  kernel: 2.5\n", ":4: given.kernel: got 2.5; expected one of:"),
        ("kind: conv-sized\ngiven: {}\n", ":1: kind: unknown kind 'conv-sized'; expected one of:"),
        ("kind: conv-size\ntitel: x\ngiven: {input: 3, kernel: 1}\n", ":2: titel: unknown field"),
        ("kind: conv-size\ngiven: [1, 2\n", "not valid YAML"),
        ("- just\n- a list\n", "expected a mapping with kind, title and given"),
        (
            "kind: conv-stack\ngiven:\n  input: 8x8x3\n  layers:\n    - conv k=3 n=4\n    - conv k=9 n=4\n",
            "layer 2 (conv k=9 n=4): the kernel (9) is larger than the padded input height",
        ),
    ],
)
def test_file_errors_are_located(cli, tmp_path, text, message):
    path = write(tmp_path, text)
    result = cli("solve", path)
    assert result.code == 2
    assert result.err.startswith(f"nnsolve: error: {path}")
    assert message in result.err
    assert "Traceback" not in result.err


def test_several_field_errors_are_named_on_one_line(cli, tmp_path):
    path = write(tmp_path, "kind: conv-size\ngiven:\n  input: 12\n  kernel: 3\n  strid: 2\n  pad: 1\n")
    lines = cli("solve", path).err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnsolve: error:")
    assert f"{path}:5: given.strid: unknown field; {path}:6: given.pad: unknown field" in lines[0]


def test_missing_and_unreadable_files(cli, tmp_path):
    assert "no such problem file" in cli("solve", tmp_path / "nope.yaml").err
    assert "expected a problem file, found a directory" in cli("solve", tmp_path).err
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert "not UTF-8 text" in cli("solve", binary).err


def test_yaml_alias_bomb_is_refused(cli, tmp_path):
    levels = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(levels) + "\nkind: conv-size\n", encoding="utf-8")
    result = cli("solve", path)
    assert result.code == 2 and "refused" in result.err


def test_python_objects_in_yaml_are_not_loaded(cli, tmp_path):
    path = write(tmp_path, "kind: !!python/object/apply:os.system ['echo hacked']\ngiven: {}\n")
    result = cli("solve", path)
    assert result.code == 2 and "not valid YAML" in result.err


def test_check_reports_discrepancies_with_exit_status_3(cli, tmp_path):
    path = write(
        tmp_path,
        """
        kind: conv-size
        given: {input: 12, kernel: 3}
        source_answers: {output: 11x11}
    """,
    )
    result = cli("check", path)
    assert result.code == 3 and "discrepancy" in result.out
    erratum = write(
        tmp_path,
        """
        kind: conv-size
        given: {input: 12, kernel: 3}
        source_answers: {output: 11x11}
        errata: {output: "the notes forgot that 12 - 3 = 9"}
    """,
    )
    assert cli("check", erratum).code == 0


def test_check_json(cli, tmp_path):
    path = write(
        tmp_path, "kind: pool-size\ngiven: {input: 37x37x10, window: 2}\nsource_answers: {output: [18, 18, 10]}\n"
    )
    data = json.loads(cli("check", path, "--json").out)
    assert data["ok"] is True and data["results"][0]["computed"] == [18, 18, 10]


def test_schema_describes_every_kind(cli):
    schema = json.loads(cli("schema").out)
    kinds = {variant["properties"]["kind"]["const"] for variant in schema["oneOf"]}
    assert {"conv-size", "pool-size", "conv-stack"} <= kinds
    conv = next(v for v in schema["oneOf"] if v["properties"]["kind"]["const"] == "conv-size")
    given = conv["properties"]["given"]
    assert given["additionalProperties"] is False
    assert "Kernel size" in given["properties"]["kernel"]["description"]


def test_size_commands_do_not_import_heavy_libraries():
    code = (
        "import sys\n"
        "from solver.cli import main\n"
        "main(['conv-size', '224', '-k', '11', '-s', '4', '-p', '2', '--json'])\n"
        "main(['pool-size', '55x55x64', '-w', '3', '-s', '2', '--json'])\n"
        "main(['conv-stack', '39x39x3', 'conv k=3 n=10', 'flatten', '--json'])\n"
        "heavy = [m for m in ('sympy', 'numpy', 'pydantic', 'yaml') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_solver_library_does_not_import_the_grader():
    """The solver stands alone; only the command line (solver.cli) joins it with the grader."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "solver"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "cli" not in path.relative_to(root).parts
        and any(line.strip().startswith(("import grader", "from grader")) for line in path.read_text().splitlines())
    ]
    assert offenders == []


@pytest.mark.parametrize("path", sorted(PROBLEMS.glob("*.yaml")), ids=lambda path: path.stem)
def test_every_problem_and_homework_file_passes_its_check(cli, path):
    """Each file's computed answers agree with its source_answers (or a declared erratum); a homework self-tests."""
    result = cli("check", path)
    assert result.code == 0, result.out + result.err
