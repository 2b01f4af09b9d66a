"""Kind lstm: what only an LSTM has (the cell state and its path), its published example and its bad input.

Its states and every gradient, in every layout, are checked in test_gated.py against
PyTorch's documented equations (tests/gated_reference.py) and central differences.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import PROBLEMS
from gated_reference import EPS, Case, cases, reference_loss, run

from solver.files.problem_file import load_problem
from solver.graph.names import fill_names
from solver.kinds.recurrent.backward import LAST_STEP_ONLY
from solver.kinds.recurrent.lstm import CELL_PATH_DROPPED, FORGET_GATE_SKIPPED, NO_TANH_ON_CELL, Given, solve

TOLERANCE = 1e-6
GATES = "ifgo"
CASES, IDS = cases("lstm")


def value(solution, name: str) -> np.ndarray:
    return np.asarray(solution[name].value, dtype=float)


MANY_TO_ONE = [0, 7, 14]  # one case of each layout, each output


@pytest.mark.parametrize("case", [CASES[i] for i in MANY_TO_ONE], ids=[IDS[i] for i in MANY_TO_ONE])
def test_state_gradients_agree_with_central_differences(case):
    # Restart the reference at step t+1 from a nudged h_t (c_t held), or a nudged c_t (h_t = o_t ⊙ tanh(c_t) follows).
    solution = solve(case.given(Given))
    trace = run(case)
    for t in (1, 2):
        for state in ("h", "c"):
            grad = value(solution, f"dL/d{state}{t}").reshape(-1)
            for unit in range(len(grad)):
                nudged = []
                for sign in (1, -1):
                    states = {"h0": trace[t - 1]["h"].copy(), "c0": trace[t - 1]["c"].copy()}
                    states[f"{state}0"][unit] += sign * EPS
                    if state == "c":
                        states["h0"] = trace[t - 1]["o"] * np.tanh(states["c0"])
                    tail = Case(**{**case.__dict__, "x": case.x[t:], "initial": states})
                    nudged.append(reference_loss(tail))
                assert grad[unit] == pytest.approx((nudged[0] - nudged[1]) / (2 * EPS), abs=TOLERANCE)


def test_published_worked_example():
    # Yasmeen Akl's notebook prints each gate and state to 4 decimals; y = 4·h3 = 3.4827.
    solution = load_problem(PROBLEMS / "lstm_three_steps_scalar.yaml").solve()
    printed = {"f1": 0.6225, "i1": 0.6457, "g1": 0.6044, "c1": 0.3902, "o1": 0.6900, "h1": 0.2564,
               "c2": 0.9877, "h2": 0.6398, "f3": 0.8269, "c3": 1.6721, "h3": 0.8707, "y_hat": 3.4827}  # fmt: skip
    for name, number in printed.items():
        assert solution[name].value == pytest.approx(number, abs=5e-5), name


def test_problem_files_check_cleanly(cli):
    for path in sorted(PROBLEMS.glob("lstm_*.yaml")):
        result = cli("check", path)
        assert result.code == 0, (path, result.err)
        assert "0 unexplained" in result.out


def test_the_cell_path_is_the_forget_gates_product():
    case = CASES[3]  # column, one matrix per gate, many-to-many
    solution = solve(case.given(Given))
    f2, f3 = value(solution, "f2").reshape(-1), value(solution, "f3").reshape(-1)
    np.testing.assert_allclose(value(solution, "dc3/dc1"), np.diag(f3 * f2), rtol=1e-12)
    assert "diag(f'(z_t))·W_h" in solution["dc3/dc2"].note
    table = next(t for t in solution.tables if t.key == "cell_path_norms")
    assert [fill_names(row[1]) for row in table.rows] == ["dc3/dc2", "dc3/dc1"]
    assert table.rows[1][2] == pytest.approx(np.max(np.abs(f3 * f2)))


def test_the_named_mistakes_change_the_numbers():
    solution = solve(CASES[0].given(Given))
    wrong = solution.evaluate(variant=("dL/dc2", CELL_PATH_DROPPED))
    assert not np.allclose(wrong["dL/dc2"], solution["dL/dc2"].value)
    assert not np.allclose(wrong["dL/dW_f"], solution["dL/dW_f"].value)  # and downstream
    last = solution.evaluate(variant=("dL/dU_g", LAST_STEP_ONLY))
    np.testing.assert_allclose(
        np.asarray(last["dL/dU_g"]).reshape(-1),
        np.outer(value(solution, "dL/dz_g3").reshape(-1), value(solution, "h2").reshape(-1)).reshape(-1),
    )



def test_the_forward_mistakes_are_the_cell_without_its_forget_gate_and_h_without_tanh():
    solution = solve(CASES[0].given(Given))
    v = {name: value(solution, name) for name in ("c1", "i2", "g2", "o1")}
    skipped = solution.evaluate(variant=("c2", FORGET_GATE_SKIPPED))
    np.testing.assert_allclose(np.ravel(skipped["c2"]), np.ravel(v["c1"] + v["i2"] * v["g2"]))
    assert not np.allclose(skipped["h3"], solution["h3"].value)  # carried downstream
    plain = solution.evaluate(variant=("h1", NO_TANH_ON_CELL))
    np.testing.assert_allclose(np.ravel(plain["h1"]), np.ravel(v["o1"] * v["c1"]))
    habit = solution.evaluate(variant=("*", NO_TANH_ON_CELL))  # the same slip at every step
    assert not np.allclose(habit["h3"], plain["h3"])


GOOD = {
    "x": "[[1, 0], [0, 1]]",
    **{f"W_{g}": "[[0.1, 0.2], [0.3, 0.4]]" for g in GATES},
    **{f"U_{g}": "[[0.5, 0], [0, 0.5]]" for g in GATES},
    "W_y": "[[1, 1]]",
    "y": "1",
}
STACKED = {
    "x": "[[1, 0], [0, 1]]",
    "weight_ih": str([[0.1, 0.2]] * 8),
    "weight_hh": str([[0.5, 0.0]] * 8),
    "W_y": "[[1, 1]]",
    "y": "1",
}


def write(tmp_path, fields: dict[str, str]):
    path = tmp_path / "lstm.yaml"
    lines = "".join(f"  {name}: {text}\n" for name, text in fields.items())
    path.write_text(f"kind: lstm\ngiven:\n{lines}", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("base", "fields", "message"),
    [
        (GOOD, {"W_f": "[[0.1, 0.2, 0.3], [0.3, 0.4, 0.5]]"}, "W_f is 2×3, which does not fit the input size 2"),
        (GOOD, {"U_o": "[[0.5, 0, 0], [0, 0.5, 0], [0, 0, 1]]"}, "U_o is 3×3, which does not fit the hidden size 2"),
        (GOOD, {"U_o": "[[0.5, 0, 0], [0, 0.5, 0], [0, 0, 1]]"}, "size 2 (from U_i) on either axis; expected 2×2"),
        (GOOD, {"b_g": "[1, 2, 3]"}, "b_g has 3 entries; expected 2 (the hidden size)"),
        (GOOD, {"U_g": None}, "U_g missing; one matrix per gate needs W_i, U_i"),
        (GOOD, {"weight_hh": "[[1]]"}, "both layouts of gate weights given"),
        (GOOD, {"convention": "row", "W_y": "[1, 1]", "W_i": "[[1, 2, 3], [4, 5, 6]]"}, "W_i is 2×3, which"),
        (GOOD, {"c0": "[0, 0, 0]"}, "c0 has 3 entries; expected 2 (the hidden size)"),
        (STACKED, {"weight_hh": str([[0.5, 0.0]] * 6)}, "so its 4 gates (i, f, g, o) stack 8 rows"),
        (STACKED, {"weight_ih": str([[0.1, 0.2]] * 6)}, "weight_ih is 6×2, which does not fit 4 gates (i, f, g, o)"),
        (STACKED, {"bias_ih": "[1, 2]"}, "bias_ih has 2 entries; expected 8 (4 gates (i, f, g, o) × the hidden size)"),
        (STACKED, {"convention": "row"}, "PyTorch's stacked weight_ih and weight_hh multiply from the left"),
        (STACKED, {"weight_ih": None}, "weight_ih missing; the stacked layout needs weight_ih, weight_hh"),
    ],
)  # fmt: skip
def test_bad_gate_weights_are_one_located_line(cli, tmp_path, base, fields, message):
    merged = {name: text for name, text in {**base, **fields}.items() if text is not None}
    path = write(tmp_path, merged)
    result = cli("solve", path)
    assert result.code == 2, result.out
    assert result.err.count("\n") == 1 and result.err.startswith(f"nnsolve: error: {path}:")
    assert message in result.err, result.err
    assert "Traceback" not in result.err


def test_solution_sheet_shows_each_gate_in_the_courses_names(cli):
    result = cli("solve", PROBLEMS / "lstm_three_steps_scalar.yaml")
    assert result.code == 0, result.err
    lines = [line.strip() for line in result.out.splitlines()]
    for formula in (
        "f1 = σ(W_f·x1 + W_hf·h0 + b_f) = σ(0.5·1 + 0.1·0 + 0) = 0.622459",
        "c1 = f1·c0 + i1·g1 = 0.622459·0 + 0.645656·0.604368 = 0.390214",
        "h1 = o1·tanh(c1) = 0.689974·tanh(0.390214) = 0.256356",
        "dc3/dc1 = dc3/dc2·dc2/dc1 = 0.826924·0.736069 = 0.608673",
    ):
        assert formula in lines, formula
    assert "the additive cell path" in result.out


def test_quick_command_takes_the_stacked_weights(cli):
    import json

    # The published example's gates stacked as PyTorch orders them: i, f, g, o.
    args = ["--x", "1; 2; 3", "--weight-ih", "0.6; 0.5; 0.7; 0.8", "--weight-hh", "0.2; 0.1; 0.3; 0.4"]
    result = cli("lstm", *args, "--wy", "4", "--y", "4", "--json")
    assert result.code == 0, result.err
    answers = json.loads(result.out)["answers"]
    expected = load_problem(PROBLEMS / "lstm_three_steps_scalar.yaml").solve()
    for name in ("c3", "h3", "y_hat", "loss", "dL/dc1", "dL/dW_f", "dL/dU_o"):
        assert answers[name] == pytest.approx(expected[name].value, abs=1e-15), name
    stacked = [row for (row,) in answers["dL/dweight_ih"]]  # a 4×1 matrix
    assert stacked == pytest.approx([expected[f"dL/dW_{g}"].value for g in GATES], abs=1e-15)


def test_quick_command_names_the_option_in_error(cli):
    result = cli("lstm", "--x", "1; 2", "--weight-ih", "0.6; 0.5", "--weight-hh", "0.2; 0.1", "--wy", "4", "--y", "4")
    assert result.code == 2 and result.err.count("\n") == 1
    assert result.err.startswith("nnsolve: error: --weight-hh: weight_hh is 2×1")


def one_step_jacobian(case: Case, t: int, state: str, held: str) -> np.ndarray:
    """∂state_t/∂state_(t−1) by central differences, the reference restarted at step t with the other state held."""
    trace = run(case)
    start = {"h": trace[t - 2]["h"], "c": trace[t - 2]["c"]}
    columns = []
    for unit in range(len(start[state])):
        ends = []
        for sign in (1, -1):
            nudged = start[state].copy()
            nudged[unit] += sign * EPS
            initial = {f"{state}0": nudged, f"{held}0": start[held]}
            restarted = Case(**{**case.__dict__, "x": [case.x[t - 1]], "initial": initial})
            ends.append(run(restarted)[0][state])
        columns.append((ends[0] - ends[1]) / (2 * EPS))
    return np.stack(columns, axis=1)


@pytest.mark.parametrize("case", [CASES[i] for i in (0, 3, 7)], ids=[IDS[i] for i in (0, 3, 7)])
def test_the_cell_path_and_the_hidden_path_are_compared_step_by_step_back(case):
    """Each row: ‖∏ ∂c_s/∂c_(s−1)‖₂ and ∏ ‖∂h_s/∂h_(s−1)‖₂, both from central differences of the reference."""
    solution = solve(case.given(Given))
    T = len(case.x)
    table = next(t for t in solution.tables if t.key == "cell_and_hidden_paths")
    assert [row[0] for row in table.rows] == list(range(1, T))
    cell_product, hidden_product = np.eye(len(run(case)[0]["c"])), 1.0
    for row, t in zip(table.rows, range(T, 1, -1), strict=True):
        cell_product = cell_product @ one_step_jacobian(case, t, "c", held="h")
        hidden_product *= np.linalg.norm(one_step_jacobian(case, t, "h", held="c"), 2)
        assert row[1] == pytest.approx(np.linalg.norm(cell_product, 2), rel=1e-6)
        assert row[2] == pytest.approx(hidden_product, rel=1e-6)
