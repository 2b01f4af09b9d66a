"""Kind perceptron: epochs worked by hand, a plain loop over augmented vectors, the stopping rule,
the conventions (labels, z = 0), named mistakes and bad input.
"""

from __future__ import annotations

import itertools
import json
import textwrap

import pytest
from conftest import PROBLEMS

from solver.files.problem_file import load_problem
from solver.kinds.dense.perceptron import Given, solve

AND = {"x": [[0, 0], [0, 1], [1, 0], [1, 1]], "y": [0, 0, 0, 1]}


def reference_run(
    xs: list[list[float]],
    ys: list[float],
    w: list[float],
    b: float,
    eta: float,
    low: float,
    at_zero_high: bool,
    epochs: int,
) -> list[list[tuple[float, float, list[float]]]]:
    """Per epoch, per example: (z, ŷ, θ after), with θ = [b, w...] and each input written [1, x...]."""
    theta = [b, *w]
    run = []
    for _ in range(epochs):
        rows = []
        for x, y in zip(xs, ys, strict=True):
            augmented = [1.0, *x]
            z = sum(t * a for t, a in zip(theta, augmented, strict=True))
            out = 1.0 if (z > 0 or (z == 0 and at_zero_high)) else low
            if out != y:
                theta = [t + eta * (y - out) * a for t, a in zip(theta, augmented, strict=True)]
            rows.append((z, out, list(theta)))
        run.append(rows)
        if all(out == y for (_, out, _), y in zip(rows, ys, strict=True)):
            break
    return run


def as_list(value) -> list[float]:
    return [float(v) for v in (value if hasattr(value, "__len__") else [value])]


def test_and_worked_by_hand():
    solution = solve(Given(**AND, w=[0, 0], b=0.0, learning_rate=1.0))
    values = solution.values()
    # Epoch 1 by hand: (0,0) fires at z = 0 and is pulled down; (1,1) is missed and pulled up.
    assert [values[f"z_1_{i}"] for i in range(1, 5)] == [0, -1, -1, -1]
    assert [values[f"y_hat_1_{i}"] for i in range(1, 5)] == [1, 0, 0, 0]
    assert [values[f"err_1_{i}"] for i in range(1, 5)] == [-1, 0, 0, 1]
    assert as_list(values["w_1_1"]) == [0, 0] and values["b_1_1"] == -1
    assert as_list(values["w_1_4"]) == [1, 1] and values["b_1_4"] == 0
    assert values["mistakes_1"] == 2
    # Worked on to the end by hand: epoch 6 is the first without a mistake.
    assert "mistakes_6" in values and "mistakes_7" not in values and values["mistakes_6"] == 0
    assert as_list(values["w_6_4"]) == [2, 1] and values["b_6_4"] == -3
    assert "every example is classified correctly" in solution["mistakes_6"].note


@pytest.mark.parametrize(
    ("labels", "fires_at_zero", "eta", "w", "b"),
    [
        ("binary", True, 1.0, [0, 0], 0.0),
        ("binary", False, 0.5, [0.2, -0.1], 0.1),
        ("bipolar", True, 0.25, [0, 0], 0.0),
        ("bipolar", False, 1.0, [-0.3, 0.4], -0.2),
    ],
)
@pytest.mark.parametrize("truth", ["and", "or", "nand"])
def test_every_step_agrees_with_a_plain_loop(labels, fires_at_zero, eta, w, b, truth):
    low = 0.0 if labels == "binary" else -1.0
    table = {"and": lambda p, q: p and q, "or": lambda p, q: p or q, "nand": lambda p, q: not (p and q)}[truth]
    xs = [list(pair) for pair in itertools.product([0.0, 1.0], repeat=2)]
    ys = [1.0 if table(p, q) else low for p, q in xs]
    given = Given(x=xs, y=ys, w=w, b=b, learning_rate=eta, labels=labels, fires_at_zero=fires_at_zero, max_epochs=30)
    values = solve(given).values()
    expected = reference_run(xs, ys, w, b, eta, low, fires_at_zero, 30)
    for epoch, rows in enumerate(expected, start=1):
        for i, (z, out, theta) in enumerate(rows, start=1):
            assert values[f"z_{epoch}_{i}"] == pytest.approx(z)
            assert values[f"y_hat_{epoch}_{i}"] == out
            assert values[f"b_{epoch}_{i}"] == pytest.approx(theta[0])
            assert as_list(values[f"w_{epoch}_{i}"]) == pytest.approx(theta[1:])
    assert f"mistakes_{len(expected)}" in values and f"mistakes_{len(expected) + 1}" not in values
    assert values[f"mistakes_{len(expected)}"] == 0  # linearly separable: it converges


def test_xor_stops_at_the_bound_and_says_so():
    xor = Given(x=AND["x"], y=[0, 1, 1, 0], max_epochs=7)
    solution = solve(xor)
    assert "mistakes_7" in solution and "z_8_1" not in solution
    assert solution["mistakes_7"].value > 0
    assert "bound on epochs is reached" in solution["mistakes_7"].note
    assert solution["mistakes_6"].note is None


def test_a_bias_input_in_the_data_instead_of_b():
    """Cornell's OR: the third input is fixed at −1, so its weight is the threshold and b is 'none'."""
    loaded = load_problem(PROBLEMS / "perceptron_cornell_or.yaml")
    solution = solve(loaded.given)
    assert "b_0" not in solution and "b_1_1" not in solution
    xs = [row[:2] for row in loaded.given.x]
    # The same run with b, whose value is −(weight of the −1 input) throughout.
    with_b = reference_run(xs, loaded.given.y, [0, 0], 0.0, 0.5, 0.0, True, 10)
    for epoch, rows in enumerate(with_b, start=1):
        for i, (_, _, theta) in enumerate(rows, start=1):
            assert as_list(solution[f"w_{epoch}_{i}"].value) == pytest.approx([*theta[1:], -theta[0]])
    assert f"mistakes_{len(with_b)}" in solution and solution[f"mistakes_{len(with_b)}"].value == 0


@pytest.mark.parametrize(
    ("step", "mistake", "wrong"),
    [
        ("y_hat_1_1", "step_other_side_at_zero", 0),  # z = 0 put on the low side
        ("err_1_1", "error_sign_flipped", 1),
        ("w_1_4", "learning_rate_left_out", [1, 1]),
        ("w_1_4", "update_subtracted", [-0.5, -0.5]),
        ("b_1_1", "bias_not_updated", 0),
    ],
)
def test_named_mistakes(step, mistake, wrong):
    solution = solve(Given(**AND, learning_rate=0.5))
    value = solution.evaluate(variant=(step, mistake), upto=step)[step]
    assert as_list(value) == pytest.approx(as_list(wrong))
    assert as_list(value) != pytest.approx(as_list(solution[step].value))


def test_a_students_own_error_carries_forward():
    solution = solve(Given(**AND, learning_rate=0.5))
    # A student who says example 1 was right keeps w and b at 0 after it.
    carried = solution.evaluate({"err_1_1": 0.0})
    assert as_list(carried["w_1_1"]) == [0, 0] and carried["b_1_1"] == 0
    assert carried["z_1_2"] == 0


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("x: [[0, 0], [1]]\n  y: [0, 1]", "example 2 has 1 inputs but example 1 has 2"),
        ("x: [[0, 0], [1, 1]]\n  y: [0, 2]", "label 2 of example 2; expected 1 or 0 (labels: binary)"),
        ("x: [[0, 0], [1, 1]]\n  y: [0, 1]\n  labels: bipolar", "label 0 of example 1; expected 1 or -1"),
        ("x: [[0, 0], [1, 1]]\n  y: [0]", "2 examples but 1 labels"),
        ("x: [[0, 0], [1, 1]]\n  y: [0, 1]\n  w: [1, 2, 3]", "w has 3 entries but each example has 2 inputs"),
        ("x: [[0, 0], [1, 1]]\n  y: [0, 1]\n  learning_rate: -1", "expected a positive number"),
        ("x: [[0, 0], [1, 1]]\n  y: [0, 1]\n  max_epochs: 0", "expected 1 or more"),
        ("x: [[0, 0], [1, 1]]\n  y: [0, 1]\n  max_epochs: 100000", "over nnsolve's limit"),
        ("x: []\n  y: []", "expected at least one example"),
    ],
)
def test_bad_input_is_one_line(cli, tmp_path, given, message):
    path = tmp_path / "perceptron.yaml"
    path.write_text(textwrap.dedent(f"kind: perceptron\ngiven:\n  {given}\n"), encoding="utf-8")
    result = cli("solve", path)
    assert result.code == 2 and result.out == ""
    assert result.err.count("\n") == 1 and result.err.startswith("nnsolve: error:")
    assert message in result.err


def test_grading_names_the_mistake_and_carries_forward(cli, tmp_path):
    (tmp_path / "or.yaml").write_text((PROBLEMS / "perceptron_cornell_or.yaml").read_text(encoding="utf-8"))
    (tmp_path / "hw.yaml").write_text(
        "title: Perceptron\nproblems:\n  - id: p1\n    file: or.yaml\n    ask: {err_1_2: 1, w_1_2: 1}\n",
        encoding="utf-8",
    )
    submissions = tmp_path / "answers"
    submissions.mkdir()
    # ŷ − y instead of y − ŷ, then the rule applied correctly to that error.
    (submissions / "s1.yaml").write_text(
        "student: s1\nanswers:\n  p1: {err_1_2: -1, w_1_2: [0, -0.5, 1]}\n", encoding="utf-8"
    )
    result = cli("grade", tmp_path / "hw.yaml", submissions, "--json")
    assert result.code == 0, result.err
    items = {item["step"]: item for item in json.loads(result.out)[0]["items"]}
    assert items["err_1_2"]["status"] == "mistake" and items["err_1_2"]["mistake"] == "error_sign_flipped"
    assert items["w_1_2"]["status"] == "carried_forward"


def test_the_command_solves_the_kind(cli):
    result = cli("perceptron", "--x", "0 0; 0 1; 1 0; 1 1", "--y", "0 0 0 1", "--lr", "0.5", "--strict", "--json")
    assert result.code == 0, result.err
    typed = json.loads(result.out)["answers"]
    expected = solve(Given(**AND, learning_rate=0.5, fires_at_zero=False)).answers
    assert typed.keys() == expected.keys()
    for name, value in expected.items():
        assert as_list(typed[name]) == pytest.approx(as_list(value)), name


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--y", "0 0 0 2"], "--y: label 2 of example 4; expected 1 or 0 (labels: binary)"),
        (["--b", "1 2"], "--b: '1 2' is a list; expected one number"),
        (["--w", "1 2 3"], "--w: w has 3 entries but each example has 2 inputs"),
        (["--labels", "signed"], "--labels 'signed'; expected one of: binary, bipolar"),
        (["--x", "0 0; 1"], "--x: row 2 has 1 entry but row 1 has 2"),
        # ±1 labels left at the default binary: the error says which convention they fit
        (
            ["--y", "-1 -1 -1 1"],
            "--y: label -1 of example 1; expected 1 or 0 (labels: binary); "
            "the labels are 1/-1, so expected labels: bipolar",
        ),
    ],
)
def test_the_commands_bad_input_is_one_line(cli, options, message):
    given = dict(zip(options[::2], options[1::2], strict=True))
    args = {"--x": "0 0; 0 1; 1 0; 1 1", "--y": "0 0 0 1", **given}
    result = cli("perceptron", *(v for pair in args.items() for v in pair))
    assert result.code == 2 and result.err.count("\n") == 1
    assert message in result.err


def test_a_long_run_leaves_out_the_computation_graph_a_page_cannot_show():
    from solver.render.figures import figures

    long_run = solve(load_problem(PROBLEMS / "perceptron_cornell_or.yaml").given)
    assert [figure for figure in figures(long_run, key=True) if figure.name == "graph"] == []
    one_epoch = solve(Given(x=[[1.0, 0.0]], y=[1]))
    assert [figure.name for figure in figures(one_epoch, key=True)] == ["graph"]
