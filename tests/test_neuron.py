"""Kind neuron and the `nnsolve neuron` command: seed values, chain-rule factors against central differences,
ReLU's zero gradient, named mistakes and bad input.
"""

from __future__ import annotations

import json
import math

import pytest
from conftest import PROBLEMS
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from solver.files.problem_file import load_problem
from solver.kinds.dense.neuron import Given, solve

H = 1e-6
ACTIVATIONS = {
    "linear": lambda v: v,
    "relu": lambda v: max(v, 0.0),
    "leaky_relu": lambda v: v if v > 0 else 0.01 * v,
    "sigmoid": lambda v: 1 / (1 + math.exp(-v)),
    "tanh": math.tanh,
}
LOSSES = {
    "mse": lambda a, y: (a - y) ** 2,
    "sse": lambda a, y: (a - y) ** 2,
    "half_squared": lambda a, y: (a - y) ** 2 / 2,
    "mae": lambda a, y: abs(a - y),
    "huber": lambda a, y: (a - y) ** 2 / 2 if abs(a - y) <= 1 else abs(a - y) - 0.5,
    "bce": lambda a, y: -(y * math.log(a) + (1 - y) * math.log(1 - a)),
    "hinge": lambda a, y: max(0.0, 1 - y * a),
}


def reference(w: list[float], x: list[float], b: float, act: str, loss: str, y: float) -> float:
    z = sum(wi * xi for wi, xi in zip(w, x, strict=True)) + b
    if (act, loss) == ("sigmoid", "bce"):
        # −y·ln σ(z) − (1 − y)·ln(1 − σ(z)) = softplus(z) − y·z: central differences of the plain
        # form lose every digit once σ(z) rounds towards 1 (z ≳ 10); this one keeps them.
        return max(z, 0.0) + math.log1p(math.exp(-abs(z))) - y * z
    return LOSSES[loss](ACTIVATIONS[act](z), y)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda n: st.tuples(
            st.lists(st.floats(-2, 2).map(lambda v: round(v, 3)), min_size=n, max_size=n),
            st.lists(st.floats(-2, 2).map(lambda v: round(v, 3)), min_size=n, max_size=n),
        )
    ),
    st.floats(-1, 1).map(lambda v: round(v, 3)),
    st.sampled_from(list(ACTIVATIONS)),
    st.sampled_from(list(LOSSES)),
    st.sampled_from([-1.0, 0.0, 0.3, 1.0]),
)
# Found by chance: σ(z) ≈ 1 at z ≈ 10 and 12, where ln(1 − σ(z)) keeps few digits.
@example(([2.0, 1.75, 1.75], [2.0, 1.75, 1.75]), 0.0, "linear", "bce", 0.0)
@example(([1.981, 0.0, 1.981, 1.981], [1.981, 0.0, 1.981, 1.981]), 0.0, "linear", "bce", 0.0)
def test_chain_rule_matches_central_differences(wx, b, act, loss, y):
    w, x = wx
    if loss == "bce":
        act, y = "sigmoid", abs(y)
    z = sum(wi * xi for wi, xi in zip(w, x, strict=True)) + b
    a = ACTIVATIONS[act](z)
    near_kink = [abs(z)] if act in ("relu", "leaky_relu") else []
    near_kink += {"mae": [abs(a - y)], "huber": [abs(abs(a - y) - 1)], "hinge": [abs(1 - y * a)]}.get(loss, [])
    assume(min(near_kink, default=1) > 1e-3)
    solution = solve(Given(w=w, x=x, b=b, activation=act, y=y, loss=loss, learning_rate=0.1))
    # rel: ln(1 − σ(z)) computed as written keeps ~11 digits at z ≈ 10, against the exact softplus form.
    assert solution["loss"].value == pytest.approx(reference(w, x, b, act, loss, y), abs=1e-12, rel=1e-10)
    for i in range(len(w)):
        up, down = list(w), list(w)
        up[i] += H
        down[i] -= H
        expected = (reference(up, x, b, act, loss, y) - reference(down, x, b, act, loss, y)) / (2 * H)
        got = solution["dL/dw"].value if len(w) == 1 else solution["dL/dw"].value[i]
        assert got == pytest.approx(expected, abs=1e-6, rel=1e-5)
    expected = (reference(w, x, b + H, act, loss, y) - reference(w, x, b - H, act, loss, y)) / (2 * H)
    assert solution["dL/db"].value == pytest.approx(expected, abs=1e-6, rel=1e-5)
    assert solution["b_new"].value == pytest.approx(b - 0.1 * expected, abs=1e-6, rel=1e-5)


def test_seed_003_neuron(cli):
    solution = load_problem(PROBLEMS / "neuron_003_sigmoid.yaml").solve()
    assert solution["z"].value == pytest.approx(0.87)
    assert round(solution["a"].value, 2) == 0.70
    out = cli("neuron", "--w", "0.2,0.3,0.9", "--x", "0.5,0.6,0.1", "--b", "0.5", "--act", "sigmoid").out
    assert "z = w · x + b = [0.2, 0.3, 0.9] · [0.5, 0.6, 0.1] + 0.5 = 0.87" in out
    assert "a = σ(z) = σ(0.87) = 0.704746" in out


def test_quick_command_with_target_loss_and_rate(cli):
    result = cli(
        "neuron", "--w", "0.2,0.3,0.9", "--x", "0.5,0.6,0.1", "--b", "0.5", "--act", "sigmoid",
        "--y", "1", "--loss", "bce", "--lr", "0.1", "--json",
    )  # fmt: skip
    answers = json.loads(result.out)["answers"]
    a = 1 / (1 + math.exp(-0.87))
    # BCE with a sigmoid: dL/dz = a − y, so dL/db = a − 1 and dL/dw = (a − 1)·x.
    assert answers["dL/db"] == pytest.approx(a - 1)
    assert answers["dL/dw"] == pytest.approx([(a - 1) * 0.5, (a - 1) * 0.6, (a - 1) * 0.1])
    assert answers["b_new"] == pytest.approx(0.5 - 0.1 * (a - 1))
    assert list(answers)[:4] == ["z", "a", "loss", "dL/da"]


def test_relu_below_zero_passes_no_gradient_and_says_why():
    solution = load_problem(PROBLEMS / "neuron_002_relu_mse_inactive.yaml").solve()
    assert solution["a"].value == 0 and solution["da/dz"].value == 0
    assert solution["dL/dw"].value == 0 and solution["w_new"].value == -0.5
    assert "z < 0" in solution["da/dz"].note and "no gradient" in solution["da/dz"].note


def test_relu_at_zero_states_the_convention():
    solution = solve(Given(w=1.0, x=1.0, b=-1.0, activation="relu", y=1.0))
    assert solution["da/dz"].value == 0
    assert "ReLU'(0) is taken as 0, as PyTorch does" in solution["da/dz"].note


def test_seed_002_numeric_case():
    solution = load_problem(PROBLEMS / "neuron_002_relu_mse.yaml").solve()
    # By hand: z = 1.5, a = 1.5, L = 0.25, dL/dw = 2(a − y)·1·x = −2.
    assert (solution["z"].value, solution["loss"].value, solution["dL/dw"].value) == (1.5, 0.25, -2.0)


@pytest.mark.parametrize(
    "name",
    ["neuron_003_sigmoid.yaml", "neuron_002_relu_mse.yaml", "neuron_002_relu_mse_inactive.yaml",
     "neuron_002_relu_mse_symbolic.yaml"],
)  # fmt: skip
def test_problem_files_agree_with_their_sources(cli, name):
    result = cli("check", PROBLEMS / name)
    assert result.code == 0 and "0 unexplained discrepancies" in result.out


NEURON_MISTAKES = [
    ("sigmoid", "mse", "da/dz", "sigmoid_derivative_on_z"),
    ("sigmoid", "mse", "da/dz", "sigmoid_derivative_of_activation"),
    ("tanh", "mse", "da/dz", "tanh_derivative_unsquared"),
    ("tanh", "mse", "da/dz", "tanh_derivative_plus"),
    ("relu", "mse", "da/dz", "relu_gradient_not_zeroed"),
    ("sigmoid", "mse", "dL/da", "derivative_missing_factor_2"),
    ("sigmoid", "half_squared", "dL/da", "derivative_extra_factor_2"),
    ("sigmoid", "mse", "dL/da", "residual_reversed"),
    ("sigmoid", "mse", "z", "bias_forgotten"),
    ("sigmoid", "mse", "w_new", "gradient_ascent"),
    ("sigmoid", "mse", "da/dz", "activation_derivative_dropped"),
    ("tanh", "mse", "da/dz", "activation_instead_of_derivative"),
    ("leaky_relu", "mse", "da/dz", "activation_instead_of_derivative"),
]


@pytest.mark.parametrize(("act", "loss", "step", "variant"), NEURON_MISTAKES)
def test_each_named_mistake_changes_the_update(act, loss, step, variant):
    # z = 0.5·(−0.8) + 0.3 = −0.1 < 0: ReLU is inactive, so letting its gradient through shows.
    solution = solve(Given(w=0.5, x=-0.8, b=0.3, activation=act, y=1.0, loss=loss, learning_rate=0.5))
    right, wrong = solution.values(), solution.evaluate(variant=(step, variant))
    assert wrong[step] != pytest.approx(right[step])
    assert wrong["w_new"] != pytest.approx(right["w_new"])


def one_error_line(result) -> str:
    assert result.code == 2, result.out
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnsolve: error: ") and "nan" not in lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--w", "1", "--x", "1", "--act", "swish"],
            "--act: unknown activation 'swish'; expected one of: linear, relu",
        ),
        (["--w", "1", "--x", "1", "--y", "1", "--loss", "l3"], "--loss: unknown loss 'l3'; expected one of: mse,"),
        (["--w", "1,2", "--x", "1"], "--w: w has 2 entries but x has 1; expected one weight per input"),
        (["--w", "0.2,abc", "--x", "1,2"], "--w: '0.2,abc' is not a number or a comma-separated list of numbers"),
        (["--w", "1", "--x", "1", "--act", "softmax"], "--act: softmax needs a layer of units"),
    ],
)
def test_bad_input(cli, args, message):
    assert message in one_error_line(cli("neuron", *args))


def test_bce_of_a_saturated_neuron_says_log_zero(cli):
    line = one_error_line(cli("neuron", "--w", "1000", "--x", "1", "--act", "sigmoid", "--y", "0", "--loss", "bce"))
    assert "log(0) is undefined" in line and "y_hat = 1" in line


def test_sigmoid_is_stable_at_large_z(cli):
    for w in ("1000", "-1000"):
        result = cli("neuron", "--w", w, "--x", "1", "--act", "sigmoid", "--y", "1", "--json")
        answers = json.loads(result.out)["answers"]
        assert answers["a"] in (0.0, 1.0) and math.isfinite(answers["dL/dw"])


def test_file_error_points_at_the_line(cli, tmp_path):
    path = tmp_path / "neuron.yaml"
    path.write_text("kind: neuron\ngiven:\n  w: [1, 2]\n  x: [1, 2]\n  activation: gelu\n", encoding="utf-8")
    line = one_error_line(cli("solve", path))
    assert f"{path}:5: given.activation: unknown activation 'gelu'" in line


def _plain_sigmoid_batch_gradient(w, xs, ys, reduce):
    """dL/dw of the batch's squared errors, example by example (a loop, not the solver's matrices)."""
    total = [0.0] * len(w)
    for x, y in zip(xs, ys, strict=True):
        a = 1 / (1 + math.exp(-sum(wi * xi for wi, xi in zip(w, x, strict=True))))
        for i, xi in enumerate(x):
            total[i] += 2 * (a - y) * a * (1 - a) * xi
    return [t / len(xs) for t in total] if reduce == "mean" else total


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_the_neuron_command_takes_a_batch_as_rows(cli, reduction):
    w, xs, ys = [0.2, 0.3], [[1, 2], [3, 4]], [1, 0]
    result = cli(
        "neuron", "--w", "0.2,0.3", "--x", "1 2; 3 4", "--y", "1,0", "--act", "sigmoid", "--lr", "0.1",
        "--reduction", reduction, "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    (gradient,) = json.loads(result.out)["answers"]["dL/dW1"]
    assert gradient == pytest.approx(_plain_sigmoid_batch_gradient(w, xs, ys, reduction))


def test_the_neuron_command_takes_an_optimizer_as_torch_names_it(cli):
    # w = 1, x = 1, y = 2, linear, mse: g = 2(w·x − y) = −2; torch.optim.SGD's Nesterov steps by g + μ(μ·0 + g).
    result = cli("neuron", "--w", "1", "--x", "1", "--y", "2", "--optimizer", "momentum lr=0.1 momentum=0.9 nesterov")
    assert result.code == 0, result.err
    assert "= 1.38" in result.out.split("w_new")[-1]
