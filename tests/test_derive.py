"""Kind ``derive``: a derivation whose answers are expressions, in a problem file or a homework."""

from __future__ import annotations

import json

import sympy

from grader.answers import read_submission
from grader.grading import grade_submission
from grader.homework import load_homework
from grader.prepare import prepare

STEPS = '{L: "1/2*(sigmoid(w*x + b) - y)^2", dL/dy: "y - sigmoid(w*x + b)"}'


def test_a_derivation_is_a_kind_of_its_own(cli, tmp_path):
    (tmp_path / "d.yaml").write_text(f"kind: derive\ngiven:\n  symbols: [w, b, x, y]\n  steps: {STEPS}\n")
    result = cli("solve", tmp_path / "d.yaml", "--json")
    assert result.code == 0, result.err
    solution = json.loads(result.out)
    assert solution["kind"] == "derive" and solution["title"] == "Derivation"
    w, b, x, y = sympy.symbols("w b x y")
    sigmoid = 1 / (1 + sympy.exp(-(w * x + b)))
    by_name = {step["name"]: step for step in solution["steps"]}
    # Independent of the parser: the squared loss and its derivative in y, written with SymPy directly.
    names = {"sigmoid": lambda z: 1 / (1 + sympy.exp(-z)), "w": w, "b": b, "x": x, "y": y}
    loss, derivative = (sympy.sympify(by_name[name]["value"], locals=names) for name in ("L", "dL/dy"))
    assert sympy.simplify(loss - (sigmoid - y) ** 2 / 2) == 0
    assert sympy.simplify(derivative - sympy.diff((sigmoid - y) ** 2 / 2, y)) == 0
    schema = json.loads(cli("schema", "--kind", "derive").out)
    assert set(schema["oneOf"][0]["properties"]["given"]["properties"]) == {"symbols", "steps"}


def test_a_homework_derive_entry_is_the_derive_problem_written_inline(tmp_path):
    given = f"{{symbols: [w, b, x, y], steps: {STEPS}}}"
    (tmp_path / "hw.yaml").write_text(
        "title: t\nproblems:\n"
        f"  - {{id: a, derive: {given}, ask: {{L: 1, dL/dy: 1}}}}\n"
        f"  - {{id: b, problem: {{kind: derive, title: Derivation b, given: {given}}}, ask: {{L: 1, dL/dy: 1}}}}\n"
    )
    (tmp_path / "s.yaml").write_text(
        'student: s\nanswers:\n  a: {L: "(sigmoid(w*x + b) - y)^2", dL/dy: "y - sigmoid(b + w*x)"}\n'
        '  b: {L: "(sigmoid(w*x + b) - y)^2", dL/dy: "y - sigmoid(b + w*x)"}\n'
    )
    homework = load_homework(tmp_path / "hw.yaml")
    assert [p.solution.symbols for p in homework.problems] == [("w", "b", "x", "y")] * 2
    assert [p.title for p in homework.problems] == ["Derivation a", "Derivation b"]
    items = grade_submission(prepare(homework), read_submission(tmp_path / "s.yaml")).items
    graded = {(i.problem, i.step): (i.status, i.mistake) for i in items}
    for problem in "ab":
        assert graded[problem, "L"] == ("mistake", "factor_2")
        assert graded[problem, "dL/dy"] == ("correct", None)


def test_an_unreadable_derivation_step_points_at_its_line(cli, tmp_path):
    (tmp_path / "hw.yaml").write_text(
        "title: t\nproblems:\n  - id: d\n    derive:\n      symbols: [x]\n      steps:\n        f: x^^2\n"
        "    ask: {f: 1}\n"
    )
    result = cli("check", tmp_path / "hw.yaml")
    assert result.code == 2
    assert f"{tmp_path / 'hw.yaml'}:7: problems.0.derive.steps.f: unexpected '^'" in result.err
