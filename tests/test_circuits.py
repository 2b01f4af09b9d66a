"""Kind ``graph``: circuits worked gate by gate, checked against finite differences and CS231n's numbers.

The reference for every gradient is a central finite difference of the expression
evaluated by SymPy at 40 digits (the expression read by the whitelisting parser, not
by the circuit's gate table).
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET

import pytest
import sympy
from conftest import PROBLEMS

from grader.answers import read_submission
from grader.grading import grade_submission
from grader.homework import load_homework
from grader.prepare import prepare
from solver.files.problem_file import load_problem
from solver.graph.errors import InputError
from solver.kinds.circuits.circuit import MAX_GATES, MAX_LEVELS
from solver.kinds.circuits.graph import Given, solve
from solver.math.expressions import parse_expression
from solver.render.figures import figures

#: Expressions with every gate, constants on either side, inputs and subexpressions used twice.
EXPRESSIONS = [
    ("f = (x + y) * z", {"x": -2, "y": 5, "z": -4}),
    ("f = x*x + x/y - y^x", {"x": 1.3, "y": 2.1}),
    ("L = tanh(a*b) + relu(a - b) + exp(-a)*log(b) + sqrt(b) - abs(a)", {"a": 0.7, "b": 1.9}),
    ("L = tanh(a*b) + relu(a - b) + exp(-a)*ln(b) + sqrt(b) - abs(a)", {"a": -0.7, "b": 0.4}),
    ("g = max(u, v, 2*u) + (u*v)*(u*v) + 2^u - 3/v", {"u": 0.8, "v": -0.5}),
    ("h = sigmoid(x)*sigmoid(x) - x^3/(1 + y^2) + relu(y)", {"x": 0.3, "y": -1.2}),
    ("f = -(a - b)^2 / 2 + a", {"a": 0.25, "b": 1.5}),
]
GRAPH_FILES = sorted(PROBLEMS.glob("graph_*.yaml"))


def finite_difference(expression: str, inputs: dict[str, float], name: str, h: float = 1e-8) -> float:
    """(f(x + h) − f(x − h)) / 2h, f evaluated by SymPy at 40 significant digits."""
    _, _, text = expression.rpartition("=")
    f = parse_expression(text, inputs)
    point = {sympy.Symbol(n, real=True): sympy.Float(v, 40) for n, v in inputs.items()}
    symbol = sympy.Symbol(name, real=True)

    def at(shift: float) -> sympy.Float:
        return f.evalf(40, subs={**point, symbol: point[symbol] + sympy.Float(shift, 40)})

    return float((at(h) - at(-h)) / (2 * h))


def _cases() -> list[tuple[str, dict[str, float]]]:
    from_files = [(load_problem(p).given.expression, load_problem(p).given.inputs) for p in GRAPH_FILES]
    return EXPRESSIONS + from_files


@pytest.mark.parametrize(("expression", "inputs"), _cases())
def test_every_input_gradient_matches_finite_differences(expression, inputs):
    solution = solve(Given(expression=expression, inputs=inputs))
    output = expression.partition("=")[0].strip()
    for name in inputs:
        expected = finite_difference(expression, inputs, name)
        assert solution[f"d{output}/d{name}"].value == pytest.approx(expected, rel=1e-7, abs=1e-9), name


def test_the_cs231n_circuit_from_the_command_line(cli):
    result = cli("graph", "f = (x + y) * z", "x=-2", "y=5", "z=-4", "--json")
    assert result.code == 0, result.err
    answers = json.loads(result.out)["answers"]
    # CS231n: q = 3, f = -12; df/dx = df/dy = -4 (the add gate passes -4 on), df/dz = q = 3.
    assert (answers["q1"], answers["f"]) == (3, -12)
    assert (answers["df/dq1"], answers["df/dx"], answers["df/dy"], answers["df/dz"]) == (-4, -4, -4, 3)


def test_each_gate_is_a_step_named_by_the_gate_forward_then_backward(cli):
    text = cli("graph", "f = (x + y) * z", "x=-2", "y=5", "z=-4").out
    lines = [line.strip() for line in text.splitlines()[1:] if " = " in line]
    assert lines == [
        "q1 = x + y = (-2) + 5 = 3",
        "f = q1·z = 3·(-4) = -12",
        "df/df = 1",
        "df/dq1 = df/df·z = 1·(-4) = -4",
        "df/dx = df/dq1·1 = (-4)·1 = -4",
        "df/dy = df/dq1·1 = (-4)·1 = -4",
        "df/dz = df/df·q1 = 1·3 = 3",
    ]


def test_a_value_used_by_several_gates_sums_its_branches():
    problem = load_problem(PROBLEMS / "graph_cs231n_staged.yaml")
    solution = problem.solve()
    # x feeds num = x + σ(y), sigx = σ(x) and xpy = x + y; y feeds sigy and xpy.
    assert solution["df/dx"].deps == ("df/dx_via_q2", "df/dx_via_q3", "df/dx_via_q4")
    assert solution["df/dy"].deps == ("df/dy_via_q1", "df/dy_via_q4")
    # Each branch on its own, by hand: f = num·invden with invden = 1/den, den = σ(x) + (x + y)².
    x, y = 3.0, -4.0

    def sig(v: float) -> float:
        return 1 / (1 + math.exp(-v))

    num, den = x + sig(y), sig(x) + (x + y) ** 2
    through_num, through_den = 1 / den, -num / den**2
    assert solution["df/dx_via_q2"].value == pytest.approx(through_num)
    assert solution["df/dx_via_q3"].value == pytest.approx(through_den * sig(x) * (1 - sig(x)))
    assert solution["df/dx_via_q4"].value == pytest.approx(through_den * 2 * (x + y))
    assert solution["df/dy_via_q1"].value == pytest.approx(through_num * sig(y) * (1 - sig(y)))


def test_a_subexpression_written_twice_is_one_gate():
    solution = solve(Given(expression="f = (x + y) * (x + y)", inputs={"x": 1.0, "y": 2.0}))
    assert [s.name for s in solution if s.title in ("add gate", "multiply gate")] == ["q1", "f"]
    # f = q·q: the local gradient is q + q, and x, y each feed one gate.
    assert solution["df/dq1"].value == 6.0 and solution["df/dx"].value == 6.0


def test_the_multiply_mistake_sends_an_input_its_own_value():
    solution = solve(Given(expression="f = (x + y) * z", inputs={"x": -2, "y": 5, "z": -4}))
    # Right: df/dz = q = 3 and df/dq = z = -4.  Swapped by mistake: df/dz = z = -4, df/dq = q = 3.
    assert solution.evaluate(variant=("df/dz", "multiply_own_input"))["df/dz"] == -4
    wrong = solution.evaluate(variant=("df/dq1", "multiply_own_input"))
    assert (wrong["df/dq1"], wrong["df/dx"], wrong["df/dy"]) == (3, 3, 3)
    # x·x has no other input to confuse with its own: no such mistake is offered.
    square = solve(Given(expression="f = x*x", inputs={"x": 3.0}))
    assert square["df/dx"].variants == ()


def test_the_branch_mistake_keeps_one_branch():
    solution = load_problem(PROBLEMS / "graph_cs231n_staged.yaml").solve()
    values = solution.values()
    for branch in ("q2", "q3", "q4"):
        wrong = solution.evaluate(variant=("df/dx", f"only_branch_via_{branch}"))
        assert wrong["df/dx"] == values[f"df/dx_via_{branch}"] != values["df/dx"]


HOMEWORK = """
title: Circuits
grading: {rtol: 0.001, carry_forward_penalty: 0.2, mistake_credit: 0.25}
problems:
  - id: c1
    problem:
      kind: graph
      given: {expression: "f = (x + y) * z", inputs: {x: -2, y: 5, z: -4}}
    ask: {q1: 1, f: 1, df/dq1: 1, df/dx: 1, df/dz: 1}
  - id: c2
    problem:
      kind: graph
      given: {expression: "f = (x + sigmoid(y)) * (1 / (sigmoid(x) + (x + y)^2))", inputs: {x: 3, y: -4}}
    ask: {df/dx: 2, df/dy: 2}
"""

# Worked by hand.  c1 right: q = 3, f = -12, df/dq = -4, df/dx = -4, df/dz = 3.
# c2: df/dy = 0.00904586 (through σ(y)) + 1.58319 (through x + y) = 1.59223.
ANSWERS = {
    # q = 2.5 (x + y misread), then every later step right for that q: carried forward.
    "cleo": ("c1:\n  q1: 2.5\n  f: -10\n  df/dq1: -4\n  df/dx: -4\n  df/dz: 2.5\n", {}),
    # The multiply gate's gradients taken from each input's own value; y's gradient through σ(y) only.
    "eve": (
        "c1:\n  q1: 3\n  f: -12\n  df/dq1: 3\n  df/dx: 3\n  df/dz: -4\nc2:\n  df/dy: 0.00904586\n",
        {
            ("c1", "df/dq1"): ("mistake", "multiply_own_input", 0.25),
            # Right for the student's own df/dq: the add gate passed it on correctly.
            ("c1", "df/dx"): ("carried_forward", None, 0.8),
            ("c1", "df/dz"): ("mistake", "multiply_own_input", 0.25),
            ("c2", "df/dy"): ("mistake", "only_branch_via_q1", 0.5),
        },
    ),
}


def _graded(tmp_path, student: str):
    homework = tmp_path / "homework.yaml"
    homework.write_text(HOMEWORK, encoding="utf-8")
    answers = tmp_path / f"{student}.yaml"
    answers.write_text(f"student: {student}\nanswers:\n" + _indented(ANSWERS[student][0]), encoding="utf-8")
    report = grade_submission(prepare(load_homework(homework)), read_submission(answers))
    return {(i.problem, i.step): i for i in report.items}


def _indented(text: str) -> str:
    return "".join(f"  {line}\n" for line in text.splitlines())


def test_grading_carries_a_wrong_gate_forward(tmp_path):
    graded = _graded(tmp_path, "cleo")
    assert graded["c1", "q1"].status == "wrong"
    assert graded["c1", "f"].status == "carried_forward" and graded["c1", "f"].score == pytest.approx(0.8)
    assert graded["c1", "df/dz"].status == "carried_forward"
    assert graded["c1", "df/dx"].status == "correct"


def test_grading_names_both_circuit_mistakes(tmp_path):
    graded = _graded(tmp_path, "eve")
    for (problem, step), (status, mistake, score) in ANSWERS["eve"][1].items():
        item = graded[problem, step]
        assert (item.status, item.mistake, item.score) == (status, mistake, pytest.approx(score)), (problem, step)
    assert graded["c1", "f"].status == "correct"


def test_the_circuit_figure_puts_values_above_and_gradients_below_the_wires():
    solution = load_problem(PROBLEMS / "graph_cs231n_add_multiply.yaml").solve()
    (key,) = [f for f in figures(solution, key=True) if f.name == "circuit"]
    (handout,) = [f for f in figures(solution, key=False) if f.name == "circuit"]
    root = ET.fromstring(key.svg)
    svg = "{http://www.w3.org/2000/svg}"
    texts = [(t.text, t.get("fill"), float(t.get("y"))) for t in root.iter(f"{svg}text")]
    assert len(list(root.iter(f"{svg}circle"))) == 2  # the add gate and the multiply gate
    # CS231n's figure: forward -2, 5, -4, 3, -12 (black) and gradients -4, -4, 3, -4, 1 (red).
    forward = sorted(t for t, fill, _ in texts if fill == "#222" and t and t.lstrip("-").isdigit())
    backward = sorted(t for t, fill, _ in texts if fill == "#b03030")
    assert forward == sorted(["-2", "5", "-4", "3", "-12"])
    assert backward == sorted(["-4", "-4", "3", "-4", "1"])
    handout_numbers = [t.text for t in ET.fromstring(handout.svg).iter(f"{svg}text") if t.text]
    assert "-12" not in handout_numbers and "3" not in handout_numbers and "-2" in handout_numbers


@pytest.mark.parametrize(
    ("expression", "inputs", "message"),
    [
        ("f = x / (y - 5)", ["x=1", "y=5"], "INPUTS: f = x / (y - 5) divides by zero at x = 1, y = 5"),
        ("f = log(x - 1)", ["x=0"], "has no real value"),
        ("f = x^y", ["x=-2", "y=3"], "the local gradient of the power gate f = x^y with respect to y has no finite"),
        ("f = sqrt(x) + x", ["x=0"], "the local gradient of the square-root gate q1 = sqrt(x) with respect to x"),
        ("f = (x + y) * u", ["x=1", "y=2"], "EXPRESSION: unknown name 'u'"),
        ("f = x * y", ["x=1", "y=2", "z=3"], "input 'z' does not appear in the expression"),
        ("f = x * y", ["x=1", "y"], "input 'y': expected NAME=NUMBER"),
        ("f = x * y", ["x=1", "y=two"], "input y: 'two' is not a number"),
        ("f = x = y", ["x=1", "y=2"], "more than one '='"),
        ("f = 2 * 3", ["x=1"], "has no gate"),
        ("x = x * y", ["x=1", "y=2"], "'x' is both the output and an input"),
        ("f = x * __import__(y)", ["x=1", "y=2"], "names start with a letter"),
    ],
)
def test_bad_circuits_are_one_line_errors(cli, expression, inputs, message):
    result = cli("graph", expression, *inputs)
    assert result.code == 2 and result.out == ""
    assert len(result.err.splitlines()) == 1 and result.err.startswith("nnsolve: error: ")
    assert message in result.err


def test_a_circuit_too_large_to_work_by_hand_is_refused():
    with pytest.raises(InputError, match=f"more than {MAX_GATES} gates") as error:
        solve(Given(expression="f = " + " + ".join(["x"] * (MAX_GATES + 2)), inputs={"x": 1.0}))
    assert error.value.field == "expression"
    chain = "f = " + "*".join(["x"] * (MAX_LEVELS + 2))
    with pytest.raises(InputError, match=f"expected at most {MAX_LEVELS}"):
        solve(Given(expression=chain, inputs={"x": 1.0}))


def test_a_problem_file_points_at_the_bad_field(cli, tmp_path):
    path = tmp_path / "circuit.yaml"
    path.write_text("kind: graph\ngiven:\n  expression: f = x / y\n  inputs: {x: 1, y: 0}\n", encoding="utf-8")
    result = cli("solve", path)
    assert result.code == 2
    assert "given.inputs: f = x / y divides by zero at x = 1, y = 0" in result.err


def test_an_activation_gates_slope_by_a_wrong_rule_is_named():
    from solver.kinds.circuits import graph

    solution = graph.solve(graph.Given(expression="f = 3 * tanh(x * y)", inputs={"x": 0.5, "y": 1.5}))
    (gate,) = [step for step in solution if step.name.startswith("df/dq") and "tanh" in step.title]
    z, upstream = 0.5 * 1.5, 3.0
    assert gate.value == pytest.approx(upstream * (1 - math.tanh(z) ** 2))  # the right slope, by hand
    names = {v.name for v in gate.variants}
    assert {"activation_instead_of_derivative", "tanh_derivative_unsquared"} <= names
    unsquared = solution.evaluate(variant=(gate.name, "tanh_derivative_unsquared"))[gate.name]
    assert unsquared == pytest.approx(upstream * (1 - math.tanh(z)))


def test_the_upstream_gradient_is_a_derivative_and_its_value_on_the_sheet(cli):
    steps = json.loads(cli("graph", "loss = (x + y) * z", "x=-2", "y=5", "z=-4", "--json").out)["steps"]
    latex = next(step["latex"] for step in steps if step["name"] == "dloss/dq1")
    # dloss/dloss is a hole filled with its name, then its value 1, never split into words
    upstream = r"\frac{\partial \mathrm{loss}}{\partial \mathrm{loss}}"
    assert latex == rf"\frac{{\partial \mathrm{{loss}}}}{{\partial q_{{1}}}} = {upstream} \cdot z = 1 \cdot (-4) = -4"


def test_the_max_gates_local_gradient_is_written_as_the_comparison_that_decides_it(cli):
    text = cli("graph", "f = max(x, y)", "x=3", "y=3").out
    # a tie sends the gradient to the first input: [3 ≥ 3] = 1 and [3 > 3] = 0
    assert "df/dx = df/df·[x ≥ y] = 1·[3 ≥ 3] = 1" in text
    assert "df/dy = df/df·[y > x] = 1·[3 > 3] = 0" in text
