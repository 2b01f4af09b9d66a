"""Kind gru: what only a GRU has (the reset product, the update gate's convention) and its bad input.

Its states and every gradient, in every layout, are checked in test_gated.py against
PyTorch's documented equations (tests/gated_reference.py) and central differences.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import PROBLEMS
from gated_reference import cases

from solver.files.problem_file import load_problem
from solver.kinds.recurrent.gru import UPDATE_GATE_SWAPPED, Given, solve

CASES, _ = cases("gru")


def value(solution, name: str) -> np.ndarray:
    return np.asarray(solution[name].value, dtype=float).reshape(-1)


def test_swapping_the_update_gates_roles_is_a_named_mistake():
    solution = solve(CASES[0].given(Given))
    (variant,) = solution["h2"].variants
    assert variant.name == UPDATE_GATE_SWAPPED and "z_t and 1 − z_t were swapped" in variant.feedback
    wrong = solution.evaluate(variant=("h2", UPDATE_GATE_SWAPPED))
    z, n, h1 = value(solution, "z2"), value(solution, "n2"), value(solution, "h1")
    np.testing.assert_allclose(np.asarray(wrong["h2"], dtype=float).reshape(-1), z * n + (1 - z) * h1, rtol=1e-12)
    assert not np.allclose(wrong["loss"], solution["loss"].value)


def test_the_candidate_names_the_other_convention_once():
    solution = solve(CASES[0].given(Given))
    notes = [block.words for block in solution["n1"].detail]
    assert any("U_n·(r_t ⊙ h_(t−1))" in words for words in notes)
    assert not solution["n2"].detail


def test_the_stacked_candidate_keeps_its_recurrent_bias_apart():
    stacked = next(c for c in CASES if c.stacked)
    solution = solve(stacked.given(Given))
    H = len(value(solution, "h1"))
    np.testing.assert_allclose(value(solution, "b_hn"), stacked.params["bias_hh"][2 * H :])
    np.testing.assert_allclose(value(solution, "b_n"), stacked.params["bias_ih"][2 * H :])
    np.testing.assert_allclose(
        value(solution, "b_r"), stacked.params["bias_ih"][:H] + stacked.params["bias_hh"][:H], rtol=1e-15
    )


GOOD = {
    "x": "[[1, 0], [0, 1]]",
    **{f"W_{g}": "[[0.1, 0.2], [0.3, 0.4]]" for g in "rzn"},
    **{f"U_{g}": "[[0.5, 0], [0, 0.5]]" for g in "rzn"},
    "W_y": "[[1, 1]]",
    "y": "1",
}
STACKED = {
    "x": "[[1, 0], [0, 1]]",
    "weight_ih": str([[0.1, 0.2]] * 6),
    "weight_hh": str([[0.5, 0.0]] * 6),
    "W_y": "[[1, 1]]",
    "y": "1",
}


@pytest.mark.parametrize(
    ("base", "fields", "message"),
    [
        (GOOD, {"U_n": "[[0.5, 0, 0], [0, 0.5, 0], [0, 0, 1]]"}, "U_n is 3×3, which does not fit the hidden size 2"),
        (GOOD, {"b_hn": "[1, 2, 3]"}, "b_hn has 3 entries; expected 2 (the hidden size)"),
        (GOOD, {"W_z": None}, "W_z missing; one matrix per gate needs W_r, U_r, W_z, U_z, W_n, U_n"),
        (
            STACKED,
            {"weight_hh": str([[0.5, 0.0]] * 8)},
            "weight_hh is 8×2: its 2 column(s) make the hidden size 2, so its 3 gates (r, z, n) stack 6 rows",
        ),
        (STACKED, {"bias_hh": "[1, 2, 3, 4]"}, "bias_hh has 4 entries; expected 6 (3 gates (r, z, n) × the hidden"),
        (STACKED, {"b_hn": "[1, 2]"}, "expected either one matrix per gate (W_r, U_r, b_r, ...) or PyTorch's stacked"),
    ],
)
def test_bad_gate_weights_are_one_located_line(cli, tmp_path, base, fields, message):
    merged = {name: text for name, text in {**base, **fields}.items() if text is not None}
    path = tmp_path / "gru.yaml"
    path.write_text("kind: gru\ngiven:\n" + "".join(f"  {k}: {v}\n" for k, v in merged.items()), encoding="utf-8")
    result = cli("solve", path)
    assert result.code == 2, result.out
    assert result.err.count("\n") == 1 and result.err.startswith(f"nnsolve: error: {path}:")
    assert message in result.err, result.err
    assert "Traceback" not in result.err


def test_quick_command_refuses_a_cell_state(cli):
    stacked = ["--weight-ih", "0.6; 0.5; 0.7", "--weight-hh", "0.2; 0.1; 0.3", "--wy", "4", "--y", "4"]
    assert cli("gru", "--x", "1; 2", *stacked).code == 0
    result = cli("gru", "--x", "1; 2", *stacked, "--c0", "1")
    assert result.code == 2 and result.err == "nnsolve: error: --c0: a GRU has no cell state; expected --h0 alone\n"


def test_the_other_update_convention_is_pytorchs_with_the_update_gate_negated(cli):
    path = PROBLEMS / "gru_one_step_other_update_convention.yaml"
    result = cli("check", path)
    assert result.code == 0 and "0 unexplained discrepancies" in result.out, result.out + result.err
    solution = load_problem(path).solve()
    # The source's own equations, h0 = 0: z = σ(W_z·x), ĥ = tanh(W_h·x), h = (1 − z) ⊙ h0 + z ⊙ ĥ.
    x = np.array([1.0, 0.5])
    z = 1 / (1 + np.exp(-np.array([[0.3, 0.2], [0.1, 0.5]]) @ x))
    h_hat = np.tanh(np.array([[0.5, 0.1], [0.2, 0.3]]) @ x)
    np.testing.assert_allclose(value(solution, "h1"), z * h_hat, rtol=1e-12)
    np.testing.assert_allclose(value(solution, "z1"), 1 - z, rtol=1e-12)
