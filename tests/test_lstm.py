"""Kind lstm: gates, states and BPTT checked against PyTorch's documented equations and central differences.

The reference restates torch.nn.LSTM's documentation in NumPy the way PyTorch computes it,
not the way the kind does: one stacked matrix product per step (weight_ih·x + bias_ih +
weight_hh·h + bias_hh, gates i, f, g, o in blocks of rows), cut into the four gates afterwards.
A problem given one matrix per gate (or in the row convention) is stacked (and turned) first.
Every gradient is compared with central finite differences of that reference's loss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from conftest import PROBLEMS

from solver.files.problem_file import load_problem
from solver.kinds.recurrent.backward import LAST_STEP_ONLY
from solver.kinds.recurrent.lstm import CELL_PATH_DROPPED, Given, solve

EPS = 1e-6
TOLERANCE = 1e-6
GATES = "ifgo"


@dataclass
class Case:
    convention: str
    stacked: bool
    output: str
    loss: str
    every_step: bool
    params: dict[str, np.ndarray]
    h0: np.ndarray | None
    c0: np.ndarray | None
    x: list[np.ndarray]
    y: list[np.ndarray]

    def given(self) -> Given:
        return Given(
            **{name: value.tolist() for name, value in self.params.items()},
            y=[v.tolist() for v in self.y] if self.every_step else self.y[0].tolist(),
            x=[v.tolist() for v in self.x],
            convention=self.convention,
            output=self.output,
            outputs="every_step" if self.every_step else "last",
            loss=self.loss,
            h0=None if self.h0 is None else self.h0.tolist(),
            c0=None if self.c0 is None else self.c0.tolist(),
        )


def column(case: Case, p: dict[str, np.ndarray], name: str) -> np.ndarray:
    """A weight matrix as PyTorch holds it (outputs × inputs)."""
    return p[name].T if case.convention == "row" else p[name]


def torch_layout(case: Case, p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """weight_ih, weight_hh, bias_ih, bias_hh, W_y, b_y as torch.nn.LSTM and nn.Linear hold them."""
    hidden = len(p["weight_hh"][0]) if case.stacked else len(p["U_i"])
    zero = np.zeros(4 * hidden)
    if case.stacked:
        stacked = {"weight_ih": p["weight_ih"], "weight_hh": p["weight_hh"]}
        stacked |= {name: p.get(name, zero) for name in ("bias_ih", "bias_hh")}
    else:
        stacked = {
            "weight_ih": np.vstack([column(case, p, f"W_{g}") for g in GATES]),
            "weight_hh": np.vstack([p[f"U_{g}"].T if case.convention == "row" else p[f"U_{g}"] for g in GATES]),
            "bias_ih": np.concatenate([p.get(f"b_{g}", np.zeros(hidden)) for g in GATES]),
            "bias_hh": zero,
        }
    K = len(case.y[0])
    return stacked | {"W_y": column(case, p, "W_y").reshape(K, hidden), "b_y": p.get("b_y", np.zeros(K))}


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def run(case: Case, p: dict[str, np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """torch.nn.LSTM's documented recurrence: the hidden and cell states h_1..h_T, c_1..c_T, output gates."""
    torch = torch_layout(case, p)
    H = torch["weight_hh"].shape[1]
    h = np.zeros(H) if case.h0 is None else case.h0.copy()
    c = np.zeros(H) if case.c0 is None else case.c0.copy()
    hs, cs, os = [], [], []
    for x in case.x:
        gates = torch["weight_ih"] @ x + torch["bias_ih"] + torch["weight_hh"] @ h + torch["bias_hh"]
        i, f, g, o = np.split(gates, 4)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        hs.append(h)
        cs.append(c)
        os.append(sigmoid(o))
    return hs, cs, os


def reference_loss(case: Case, p: dict[str, np.ndarray] | None = None) -> float:
    p = case.params if p is None else p
    torch = torch_layout(case, p)
    hs, _, _ = run(case, p)
    used = hs if case.every_step else hs[-1:]
    losses = []
    for h, y in zip(used, case.y, strict=True):
        z = torch["W_y"] @ h + torch["b_y"]
        if case.output == "sigmoid":
            q = sigmoid(z)
            losses.append(-float(np.sum(y * np.log(q) + (1 - y) * np.log(1 - q))))
        elif case.output == "softmax":
            losses.append(-float(np.sum(y * (z - math.log(np.exp(z).sum())))))
        else:
            losses.append(float(np.mean((z - y) ** 2)))
    return sum(losses) / len(losses)


def finite_difference(case: Case, name: str) -> np.ndarray:
    grad = np.zeros_like(case.params[name])
    for index in np.ndindex(grad.shape):
        values = []
        for sign in (1, -1):
            p = {k: v.copy() for k, v in case.params.items()}
            p[name][index] += sign * EPS
            values.append(reference_loss(case, p))
        grad[index] = (values[0] - values[1]) / (2 * EPS)
    return grad


OUTPUTS = [("linear", "mse"), ("sigmoid", "bce"), ("softmax", "cross_entropy")]


def make_case(seed: int, convention: str, stacked: bool, every_step: bool, output: str, loss: str) -> Case:
    rng = np.random.default_rng(seed)
    T, n_in, H = 3, 2, rng.integers(1, 4)
    K = 1 if output == "sigmoid" else (2 if output == "softmax" else int(rng.integers(1, 3)))

    def weights(into: int, out_of: int) -> np.ndarray:
        return rng.uniform(-1, 1, (out_of, into) if convention == "row" else (into, out_of))

    if stacked:
        params = {
            "weight_ih": rng.uniform(-1, 1, (4 * H, n_in)),
            "weight_hh": rng.uniform(-1, 1, (4 * H, H)),
            "bias_ih": rng.uniform(-1, 1, 4 * H),
            "bias_hh": rng.uniform(-1, 1, 4 * H),
        }
    else:
        params = {}
        for g in GATES:
            params |= {f"W_{g}": weights(H, n_in), f"U_{g}": rng.uniform(-1, 1, (H, H))}
            if rng.random() < 0.7:
                params[f"b_{g}"] = rng.uniform(-1, 1, H)
    params["W_y"] = weights(K, H)
    if rng.random() < 0.5:
        params["b_y"] = rng.uniform(-1, 1, K)

    def target() -> np.ndarray:
        if output == "sigmoid":
            return rng.integers(0, 2, K).astype(float)
        if output == "softmax":
            return np.eye(K)[rng.integers(K)]
        return rng.uniform(-1, 1, K)

    h0, c0 = (rng.uniform(-1, 1, H) if rng.random() < 0.5 else None for _ in range(2))
    x = [rng.uniform(-1, 1, n_in) for _ in range(T)]
    return Case(convention, stacked, output, loss, every_step, params, h0, c0, x,
                [target() for _ in range(T if every_step else 1)])  # fmt: skip


LAYOUTS = [("column", False), ("row", False), ("column", True)]
CASES = [
    make_case(seed, convention, stacked, every_step, output, loss)
    for seed, ((convention, stacked), every_step, (output, loss)) in enumerate(
        (layout, every, out) for layout in LAYOUTS for every in (False, True) for out in OUTPUTS
    )
]
IDS = [
    f"{c.convention}-{'stacked' if c.stacked else 'per_gate'}-{'m2m' if c.every_step else 'm2o'}-{c.output}"
    for c in CASES
]


def value(solution, name: str) -> np.ndarray:
    return np.asarray(solution[name].value, dtype=float)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_states_follow_pytorchs_equations(case):
    solution = solve(case.given())
    hs, cs, _ = run(case, case.params)
    for t, (h, c) in enumerate(zip(hs, cs, strict=True), start=1):
        np.testing.assert_allclose(value(solution, f"h{t}").reshape(-1), h, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(value(solution, f"c{t}").reshape(-1), c, rtol=1e-12, atol=1e-14)
    assert value(solution, "loss") == pytest.approx(reference_loss(case), rel=1e-12)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_gradient_agrees_with_central_differences(case):
    solution = solve(case.given())
    for name, param in case.params.items():
        computed = value(solution, f"dL/d{name}").reshape(param.shape)
        np.testing.assert_allclose(
            computed, finite_difference(case, name), atol=TOLERANCE, rtol=TOLERANCE, err_msg=name
        )


MANY_TO_ONE = [0, 7, 14]  # one case of each layout, each output


@pytest.mark.parametrize("case", [CASES[i] for i in MANY_TO_ONE], ids=[IDS[i] for i in MANY_TO_ONE])
def test_state_gradients_agree_with_central_differences(case):
    # Restart the reference at step t+1 from a nudged h_t (c_t held), or a nudged c_t (h_t = o_t ⊙ tanh(c_t) follows).
    solution = solve(case.given())
    hs, cs, os = run(case, case.params)
    for t in (1, 2):
        for state in ("h", "c"):
            grad = value(solution, f"dL/d{state}{t}").reshape(-1)
            for unit in range(len(grad)):
                nudged = []
                for sign in (1, -1):
                    states = {"h": hs[t - 1].copy(), "c": cs[t - 1].copy()}
                    states[state][unit] += sign * EPS
                    if state == "c":
                        states["h"] = os[t - 1] * np.tanh(states["c"])
                    tail = Case(case.convention, case.stacked, case.output, case.loss, False, case.params,
                                states["h"], states["c"], case.x[t:], case.y)  # fmt: skip
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
    solution = solve(case.given())
    f2, f3 = value(solution, "f2").reshape(-1), value(solution, "f3").reshape(-1)
    np.testing.assert_allclose(value(solution, "dc3/dc1"), np.diag(f3 * f2), rtol=1e-12)
    assert "diag(f'(z_t))·W_h" in solution["dc3/dc2"].note
    table = next(t for t in solution.tables if t.key == "cell_path_norms")
    assert [row[1] for row in table.rows] == ["dc3/dc2", "dc3/dc1"]
    assert table.rows[1][2] == pytest.approx(np.max(np.abs(f3 * f2)))


def test_the_named_mistakes_change_the_numbers():
    solution = solve(CASES[0].given())
    wrong = solution.evaluate(variant=("dL/dc2", CELL_PATH_DROPPED))
    assert not np.allclose(wrong["dL/dc2"], solution["dL/dc2"].value)
    assert not np.allclose(wrong["dL/dW_f"], solution["dL/dW_f"].value)  # and downstream
    last = solution.evaluate(variant=("dL/dU_g", LAST_STEP_ONLY))
    np.testing.assert_allclose(
        np.asarray(last["dL/dU_g"]).reshape(-1),
        np.outer(value(solution, "dL/dz_g3").reshape(-1), value(solution, "h2").reshape(-1)).reshape(-1),
    )


def test_the_two_layouts_give_the_same_numbers():
    per_gate = CASES[0]
    torch = torch_layout(per_gate, per_gate.params)
    stacked = Case(**{**per_gate.__dict__, "stacked": True,
                      "params": {k: torch[k] for k in ("weight_ih", "weight_hh", "bias_ih", "W_y")}})  # fmt: skip
    one, other = solve(per_gate.given()), solve(stacked.given())
    for name in ("h3", "c3", "loss", "dL/dW_f", "dL/dU_o"):
        np.testing.assert_allclose(value(one, name), value(other, name), rtol=1e-12)
    H = torch["weight_hh"].shape[1]
    np.testing.assert_allclose(value(other, "dL/dweight_ih")[H : 2 * H], value(one, "dL/dW_f"), rtol=1e-12)


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
        (GOOD, {"b_g": "[1, 2, 3]"}, "b_g has 3 entries; expected 2 (the hidden size)"),
        (GOOD, {"U_g": None}, "U_g missing; one matrix per gate needs W_i, U_i"),
        (GOOD, {"weight_hh": "[[1]]"}, "both layouts of gate weights given"),
        (GOOD, {"convention": "row", "W_y": "[1, 1]", "W_i": "[[1, 2, 3], [4, 5, 6]]"}, "W_i is 2×3, which"),
        (GOOD, {"c0": "[0, 0, 0]"}, "c0 has 3 entries; expected 2 (the hidden size)"),
        (STACKED, {"weight_hh": str([[0.5, 0.0]] * 6)}, "weight_hh is 6×2, which does not stack 4 square blocks"),
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
