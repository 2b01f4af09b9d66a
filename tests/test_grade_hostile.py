"""Untrusted answers files: each hostile one is refused by a named guard, with its reason, and the batch finishes.

No test here times the grader: a loaded machine may be slow. Each asserts that the guard fired and why.
"""

from __future__ import annotations

import ast
import json

import pytest
from conftest import PROBLEMS, ROOT

HOMEWORK = PROBLEMS / "homework1.yaml"

BOMB = "\n".join(
    ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
       f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]"
       for i in range(8)]
    + ["student: bomb", "answers: {q1: {padded_h: *i}}"]
)  # fmt: skip

HOSTILE_FILES = {
    "bomb.yaml": (BOMB.encode(), "aliases"),
    "garbage.yaml": (bytes(range(256)) * 4, "not UTF-8"),
    "empty.yaml": (b"", "empty file"),
    "huge.yaml": (b"student: x\n" + b"#" * (1 << 20) + b"\n", "128 KiB"),
    "python.yaml": (b"!!python/object/apply:os.system ['echo hacked']\n", "not valid YAML"),
    "list.yaml": (b"- 1\n- 2\n", "expected a mapping"),
    "fields.yaml": (b"student: x1\nanswers: {q1: {padded_h: 17}}\nextra: 1\n", "unknown fields"),
    "answers_list.yaml": (b"student: x2\nanswers: [1, 2]\n", "expected a mapping of problem id"),
}

HOSTILE_VALUES = {
    "import": ("q10", "L", "__import__('os').system('echo hacked')", "names start with a letter"),
    "class": ("q10", "L", "().__class__", "attribute access"),
    "lambda": ("q10", "L", "lambda: 0", "unexpected character ':'"),
    "power tower": ("q10", "L", "9**9**9**9", "too large"),
    "deep parentheses": ("q10", "L", "(" * 10_000 + "1" + ")" * 10_000, "characters long"),
    "nan": ("q7", "loss", ".nan", "not a finite number"),
    "inf": ("q7", "loss", "-.inf", "not a finite number"),
    "huge matrix": ("q8", "dL/dW1", "[" + ",".join(["[1,2,3]"] * 9_000) + "]", "too many"),
    "nested list": ("q8", "dL/dW1", "[[[[[[1]]]]]]", "expected"),
}


@pytest.mark.parametrize("name", HOSTILE_FILES)
def test_hostile_files(cli, tmp_path, name):
    content, reason = HOSTILE_FILES[name]
    (tmp_path / name).write_bytes(content)
    result = cli("grade", HOMEWORK, tmp_path / name, "--json")
    assert result.code == 0, result.err
    (report,) = json.loads(result.out)
    assert {i["status"] for i in report["items"]} == {"invalid"}
    assert reason in report["items"][0]["feedback"]


@pytest.mark.parametrize("name", HOSTILE_VALUES)
def test_hostile_values(tmp_path, name):
    from grader.answers import read_submission
    from grader.grading import grade_submission
    from grader.homework import load_homework
    from grader.prepare import prepare

    problem, step, value, reason = HOSTILE_VALUES[name]
    prepared = prepare(load_homework(HOMEWORK))
    raw = value if value.startswith((".", "-.", "[")) else json.dumps(value)
    (tmp_path / "s.yaml").write_text(f"student: x\nanswers:\n  {problem}:\n    {step}: {raw}\n", encoding="utf-8")
    report = grade_submission(prepared, read_submission(tmp_path / "s.yaml"))
    item = next(i for i in report.items if (i.problem, i.step) == (problem, step))
    assert item.status == "invalid" and reason in item.feedback


def test_the_batch_finishes_whatever_the_files(cli, tmp_path):
    for name, (content, _) in HOSTILE_FILES.items():
        (tmp_path / name).write_bytes(content)
    (tmp_path / "good.yaml").write_bytes((PROBLEMS / "submissions" / "ada_correct.yaml").read_bytes())
    (tmp_path / "unreadable.yaml").write_text("student: x\n", encoding="utf-8")
    (tmp_path / "unreadable.yaml").chmod(0)
    gradebook = tmp_path / "out" / "grades.csv"
    gradebook.parent.mkdir()
    result = cli("grade", HOMEWORK, tmp_path, "--json", "--csv", gradebook)
    assert result.code == 0, result.err
    reports = json.loads(result.out)
    assert len(reports) == len(HOSTILE_FILES) + 2
    assert next(r for r in reports if r["student"] == "s01")["score"] == 54
    assert len(gradebook.read_text(encoding="utf-8").splitlines()) == len(reports) + 1


def test_no_code_from_input_is_ever_run():
    """The grader has no eval, exec, sympify or parse_expr anywhere, and reads YAML only through the safe loader."""
    for path in (ROOT / "grader").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"eval", "exec", "compile", "__import__"}, path
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                assert node.func.attr not in {"sympify", "parse_expr", "lambdify", "load", "unsafe_load"}, path
