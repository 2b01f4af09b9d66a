"""Optimizers against the algorithms torch.optim documents, restated here as plain NumPy loops.

The network is one linear layer with the summed squared error, so each step's
gradient is written out in the test (dL/dŷ = 2(ŷ − y), dL/dW = dL/dŷ·xᵀ,
dL/db = dL/dŷ): every parameter the solver reports, after every step, is
checked against a run that shares no code with it.  torch itself is not
installed; the loops follow the pseudo-code of the torch.optim documentation
(SGD, Adagrad, RMSprop, Adam, AdamW pages), one variable per line as there.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from solver.graph.errors import InputError
from solver.kinds import kind_module
from solver.math.optimizers import choose

MLP = kind_module("mlp")
W0 = np.array([[0.5, -0.3, 0.8], [0.1, 0.4, -0.6]])
B0 = np.array([0.2, -0.1])
X = np.array([1.0, -2.0, 0.5])
Y = np.array([0.3, -0.7])
STEPS = 4


def linear_problem(optimizer: dict[str, Any], steps: int = STEPS, **extra: Any) -> Any:
    """The linear layer trained ``steps`` times by the optimizer of ``optimizer`` (a problem file's settings)."""
    layer = MLP.LayerGiven(weights=W0.tolist(), bias=B0.tolist(), activation="linear")
    given = MLP.Given(
        layers=[layer],
        x=X.tolist(),
        y=Y.tolist(),
        loss="sse",
        optimizer=MLP.OptimizerGiven(**optimizer),
        steps=steps,
        **extra,
    )
    return MLP.solve(given)


def gradients(w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dL/dW and dL/db of L = Σ (Wx + b − y)², written out."""
    error = 2 * (w @ X + b - Y)
    return np.outer(error, X), error


def reported(solution: Any, parameter: str, steps: int = STEPS) -> list[np.ndarray]:
    names = [f"{parameter}_new"] + [f"{parameter}_new_t{t}" for t in range(2, steps + 1)]
    return [np.asarray(solution[name].value, dtype=float) for name in names]


Update = Callable[[list[np.ndarray], list[np.ndarray], dict[str, Any], int], None]


def run(update: Update, steps: int = STEPS) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """W and b after each step: ``update(params, grads, state, t)`` changes params in place, as torch does."""
    params, state = [W0.copy(), B0.copy()], [{}, {}]
    history: list[list[np.ndarray]] = [[], []]
    for t in range(1, steps + 1):
        grads = gradients(*params)
        for i in range(2):  # one parameter at a time, each with its own state
            update([params[i]], [grads[i]], state[i], t)
            history[i].append(params[i].copy())
    return history[0], history[1]


def sgd(lr: float, momentum: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0) -> Update:
    """torch.optim.SGD (dampening 0): g += λθ; b = μb + g (b = g at t = 1); g = g + μb or b; θ −= γg."""

    def update(params: list[np.ndarray], grads: list[np.ndarray], state: dict[str, Any], t: int) -> None:
        theta, g = params[0], grads[0]
        if weight_decay != 0:
            g = g + weight_decay * theta
        if momentum != 0:
            if t > 1:
                state["b"] = momentum * state["b"] + g
            else:
                state["b"] = g.copy()
            g = g + momentum * state["b"] if nesterov else state["b"]
        theta -= lr * g

    return update


def adagrad(lr: float, eps: float = 1e-10, weight_decay: float = 0.0) -> Update:
    """torch.optim.Adagrad (lr_decay 0, initial accumulator 0): state_sum += g²; θ −= γ g / (√state_sum + ε)."""

    def update(params: list[np.ndarray], grads: list[np.ndarray], state: dict[str, Any], t: int) -> None:
        theta, g = params[0], grads[0]
        if weight_decay != 0:
            g = g + weight_decay * theta
        state["sum"] = state.get("sum", np.zeros_like(theta)) + g * g
        theta -= lr * g / (np.sqrt(state["sum"]) + eps)

    return update


def rmsprop(lr: float, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0) -> Update:
    """torch.optim.RMSprop (not centered, no momentum): v = αv + (1 − α)g²; θ −= γ g / (√v + ε)."""

    def update(params: list[np.ndarray], grads: list[np.ndarray], state: dict[str, Any], t: int) -> None:
        theta, g = params[0], grads[0]
        if weight_decay != 0:
            g = g + weight_decay * theta
        state["v"] = alpha * state.get("v", np.zeros_like(theta)) + (1 - alpha) * g * g
        theta -= lr * g / (np.sqrt(state["v"]) + eps)

    return update


def adam(lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0,
         decoupled: bool = False) -> Update:  # fmt: skip
    """torch.optim.Adam and AdamW: m, v running means; m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t); θ −= γ m̂/(√v̂ + ε)."""
    beta1, beta2 = betas

    def update(params: list[np.ndarray], grads: list[np.ndarray], state: dict[str, Any], t: int) -> None:
        theta, g = params[0], grads[0]
        if decoupled:
            theta *= 1 - lr * weight_decay
        elif weight_decay != 0:
            g = g + weight_decay * theta
        state["m"] = beta1 * state.get("m", np.zeros_like(theta)) + (1 - beta1) * g
        state["v"] = beta2 * state.get("v", np.zeros_like(theta)) + (1 - beta2) * g**2
        m_hat = state["m"] / (1 - beta1**t)
        v_hat = state["v"] / (1 - beta2**t)
        theta -= lr * m_hat / (np.sqrt(v_hat) + eps)

    return update


def ng_momentum(lr: float, beta: float) -> Update:
    """Andrew Ng's momentum: v = βv + (1 − β)g, starting at 0; θ −= αv."""

    def update(params: list[np.ndarray], grads: list[np.ndarray], state: dict[str, Any], t: int) -> None:
        state["v"] = beta * state.get("v", 0.0) + (1 - beta) * grads[0]
        params[0] -= lr * state["v"]

    return update


CASES = {
    "sgd": ({"name": "sgd", "lr": 0.05}, sgd(0.05)),
    "sgd-weight-decay": ({"name": "sgd", "lr": 0.05, "weight_decay": 0.1}, sgd(0.05, weight_decay=0.1)),
    "momentum": ({"name": "momentum", "lr": 0.05, "momentum": 0.8}, sgd(0.05, momentum=0.8)),
    "sgd-with-momentum": ({"name": "sgd", "lr": 0.05, "momentum": 0.5}, sgd(0.05, momentum=0.5)),
    "nesterov": ({"name": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": True}, sgd(0.05, 0.9, nesterov=True)),
    "nesterov-decay": (
        {"name": "nesterov", "lr": 0.02, "momentum": 0.7, "weight_decay": 0.3},
        sgd(0.02, 0.7, nesterov=True, weight_decay=0.3),
    ),
    "adagrad": ({"name": "adagrad", "lr": 0.3}, adagrad(0.3)),
    "adagrad-decay": ({"name": "adagrad", "lr": 0.3, "eps": 1e-3, "weight_decay": 0.2}, adagrad(0.3, 1e-3, 0.2)),
    "rmsprop": ({"name": "rmsprop", "lr": 0.01}, rmsprop(0.01)),
    "rmsprop-alpha": ({"name": "rmsprop", "lr": 0.01, "alpha": 0.9, "eps": 1e-6}, rmsprop(0.01, 0.9, 1e-6)),
    "adam": ({"name": "adam", "lr": 0.1}, adam(0.1)),
    "adam-betas-decay": (
        {"name": "adam", "lr": 0.1, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.05},
        adam(0.1, (0.8, 0.99), 1e-6, 0.05),
    ),
    "adamw": ({"name": "adamw", "lr": 0.1}, adam(0.1, weight_decay=0.01, decoupled=True)),
    "adam-decoupled": (
        {"name": "adam", "lr": 0.1, "weight_decay": 0.2, "decoupled_weight_decay": True},
        adam(0.1, weight_decay=0.2, decoupled=True),
    ),
    "ng-momentum": (
        {"name": "momentum", "lr": 0.1, "momentum": 0.9, "momentum_form": "average"},
        ng_momentum(0.1, 0.9),
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_every_step_of_every_optimizer_is_torchs(case):
    settings, update = CASES[case]
    solution = linear_problem(settings)
    expected_w, expected_b = run(update)
    for t, (got, expected) in enumerate(zip(reported(solution, "W1"), expected_w, strict=True), start=1):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-13, err_msg=f"W1 after step {t}")
    for t, (got, expected) in enumerate(zip(reported(solution, "b1"), expected_b, strict=True), start=1):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-13, err_msg=f"b1 after step {t}")


def test_each_steps_gradient_is_taken_at_the_parameters_the_step_before_left():
    solution = linear_problem({"name": "adam", "lr": 0.1})
    for t in range(2, STEPS + 1):
        before = "" if t == 2 else f"_t{t - 1}"
        w, b = (np.asarray(solution[f"{p}_new{before}"].value) for p in ("W1", "b1"))
        np.testing.assert_allclose(solution[f"dL/dW1_t{t}"].value, gradients(w, b)[0], rtol=1e-12)
        assert solution[f"loss_t{t}"].value == pytest.approx(np.sum((w @ X + b - Y) ** 2), rel=1e-12)


def test_adams_state_is_reported_and_corrected_by_the_step_number():
    solution = linear_problem({"name": "adam", "lr": 0.1, "betas": [0.8, 0.9]})
    g1 = gradients(W0, B0)[0]
    np.testing.assert_allclose(solution["m_W1"].value, 0.2 * g1, rtol=1e-12)
    np.testing.assert_allclose(solution["v_W1"].value, 0.1 * g1**2, rtol=1e-12)
    np.testing.assert_allclose(solution["m_hat_W1"].value, g1, rtol=1e-12)  # (1 − β1)g / (1 − β1)
    g2 = np.asarray(solution["dL/dW1_t2"].value)
    m2 = 0.8 * 0.2 * g1 + 0.2 * g2
    np.testing.assert_allclose(solution["m_W1_t2"].value, m2, rtol=1e-12)
    np.testing.assert_allclose(solution["m_hat_W1_t2"].value, m2 / (1 - 0.8**2), rtol=1e-12)
    assert set(solution["m_W1_t2"].deps) == {"beta1", "m_W1", "dL/dW1_t2"}


def test_andrew_ngs_momentum_is_pytorchs_at_a_scaled_learning_rate():
    """The note on the averaged velocity: the same steps as PyTorch's form at η(1 − β)."""
    ng = linear_problem({"name": "momentum", "lr": 0.1, "momentum": 0.9, "momentum_form": "average"})
    torch_form = linear_problem({"name": "momentum", "lr": 0.1 * (1 - 0.9), "momentum": 0.9})
    for got, expected in zip(reported(ng, "W1"), reported(torch_form, "W1"), strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-10)
    assert "η(1 − β)" in ng["v_W1"].note


def test_the_hyper_parameters_are_given_steps_and_state_starts_at_zero():
    solution = linear_problem({"name": "adam", "lr": 0.1}, steps=1)
    assert [(n, solution[n].value) for n in ("eta", "beta1", "beta2", "epsilon")] == [
        ("eta", 0.1), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8)
    ]  # fmt: skip
    assert "lambda" not in solution  # no weight decay, no λ step
    assert solution["m_W1"].deps == ("beta1", "dL/dW1")  # m before step 1 is 0, written as 0
    assert "0.9·0 + (1 − 0.9)·" in solution["m_W1"].formula.show("text", {"beta1": "0.9", "dL/dW1": "g"})


# --- named mistakes ------------------------------------------------------------------------------------


def mistaken(solution: Any, step: str, mistake: str) -> np.ndarray:
    return np.asarray(solution.evaluate(variant=(step, mistake))[step], dtype=float)


def test_adam_without_bias_correction_is_named():
    solution = linear_problem({"name": "adam", "lr": 0.1}, steps=1)
    g = gradients(W0, B0)[0]
    m, v = 0.1 * g, 0.001 * g**2
    np.testing.assert_allclose(mistaken(solution, "W1_new", "bias_not_corrected"), W0 - 0.1 * m / (np.sqrt(v) + 1e-8))


def test_momentum_mistakes_are_named():
    solution = linear_problem({"name": "momentum", "lr": 0.1, "momentum": 0.9}, steps=2)
    g1 = gradients(W0, B0)[0]
    np.testing.assert_allclose(mistaken(solution, "v_W1", "averaged_velocity"), 0.1 * g1)
    np.testing.assert_allclose(mistaken(solution, "v_W1", "velocity_sign"), -g1)
    np.testing.assert_allclose(mistaken(solution, "W1_new", "gradient_ascent"), W0 + 0.1 * g1)
    nesterov = linear_problem({"name": "nesterov", "lr": 0.1, "momentum": 0.9}, steps=1)
    np.testing.assert_allclose(mistaken(nesterov, "W1_new", "classic_momentum"), W0 - 0.1 * g1)


def test_a_student_who_skips_the_bias_correction_is_told_so(tmp_path: Path):
    from grader.answers import read_submission
    from grader.grading import grade_submission
    from grader.homework import load_homework
    from grader.prepare import prepare

    problem = (
        "{kind: mlp, given: {x: [1.0, -2.0, 0.5], y: [0.3, -0.7], loss: sse, optimizer: {name: adam, lr: 0.1},"
        " layers: [{weights: [[0.5, -0.3, 0.8], [0.1, 0.4, -0.6]], bias: [0.2, -0.1], activation: linear}]}}"
    )
    (tmp_path / "hw.yaml").write_text(
        f"title: t\nproblems:\n  - id: q\n    problem: {problem}\n    ask: {{W1_new: 1}}\n", encoding="utf-8"
    )
    g = gradients(W0, B0)[0]
    wrong = W0 - 0.1 * (0.1 * g) / (np.sqrt(0.001 * g**2) + 1e-8)
    (tmp_path / "s.yaml").write_text(f"student: s\nanswers: {{q: {{W1_new: {wrong.tolist()}}}}}\n", encoding="utf-8")
    graded = grade_submission(prepare(load_homework(tmp_path / "hw.yaml")), read_submission(tmp_path / "s.yaml"))
    (item,) = graded.items
    assert (item.status, item.mistake) == ("mistake", "bias_not_corrected")


# --- settings checked ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "field", "words"),
    [
        ({"name": "adam", "lr": 0.1, "betas": [1.0, 0.999]}, "optimizer.betas.0", "in [0, 1)"),
        ({"name": "adam", "lr": 0.1, "betas": [0.9]}, "optimizer.betas", "two numbers"),
        ({"name": "adam", "lr": -0.1}, "optimizer.lr", "> 0"),
        ({"name": "rmsprop", "lr": 0.1, "eps": 0}, "optimizer.eps", "> 0"),
        ({"name": "momentum", "lr": 0.1, "momentum": -0.5}, "optimizer.momentum", "in [0, 1)"),
        # torch.optim.SGD(momentum=-0.5) is refused too, not taken as plain SGD
        ({"name": "sgd", "lr": 0.1, "momentum": -0.5}, "optimizer.momentum", "in [0, 1)"),
        ({"name": "sgd", "lr": 0.1, "weight_decay": -1}, "optimizer.weight_decay", "≥ 0"),
        ({"name": "lion", "lr": 0.1}, "optimizer.name", "expected one of"),
        ({"name": "sgd", "lr": 0.1, "betas": [0.9, 0.99]}, "optimizer.betas", "not a setting of sgd"),
        ({"name": "adam"}, "optimizer.lr", "needs a learning rate"),
        ({"name": "rmsprop", "lr": 0.1, "decoupled_weight_decay": True}, "optimizer.decoupled_weight_decay", "adam"),
        ({"name": "adam", "lr": 0.1, "momentum_form": "average"}, "optimizer.momentum_form", "classic momentum"),
        ({"name": "adagrad", "lr": 0.1, "nesterov": True}, "optimizer.nesterov", "a form of momentum, not of adagrad"),
    ],
)
def test_a_setting_out_of_range_is_refused_at_its_field(settings, field, words):
    with pytest.raises(InputError) as raised:
        choose(settings)
    assert raised.value.field == field and words in str(raised.value)


def test_a_learning_rate_said_twice_must_agree():
    assert choose({"name": "adam"}, learning_rate=0.01).hyper["eta"] == 0.01
    with pytest.raises(InputError, match="disagree"):
        choose({"name": "adam", "lr": 0.1}, learning_rate=0.01)


def test_a_bad_optimizer_in_a_problem_file_is_one_line_and_exit_2(cli, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        "kind: mlp\ngiven:\n  x: [1.0]\n  y: [0.5]\n  layers: [{weights: [[0.3]], bias: [0.1]}]\n"
        "  optimizer: {name: adam, lr: 0.1, betas: [0.9, 1.5]}\n",
        encoding="utf-8",
    )
    result = cli("solve", path)
    assert result.code == 2
    assert result.err.count("\n") == 1 and result.err.startswith("nnsolve: error:") and "β2" in result.err


def test_a_neuron_takes_an_optimizer_too():
    """Adam's first step is η·g/(|g| + ε) against the gradient: the bias correction undoes the running means."""
    neuron = kind_module("neuron")
    given = neuron.Given(w=[0.4, -0.2], x=[1.5, 2.0], b=0.1, activation="sigmoid", y=1.0, loss="bce", optimizer="adam",
                         learning_rate=0.01)  # fmt: skip
    solution = neuron.solve(given)
    z = 0.4 * 1.5 - 0.2 * 2.0 + 0.1
    g_w = (1 / (1 + np.exp(-z)) - 1.0) * np.array([1.5, 2.0])  # BCE after a sigmoid: (a − y)·x
    np.testing.assert_allclose(solution["w_new"].value, [0.4, -0.2] - 0.01 * g_w / (np.abs(g_w) + 1e-8), rtol=1e-12)
    assert {"m_b", "v_hat_b", "b_new"} <= set(solution.steps)
    with pytest.raises(InputError, match="no target y"):
        neuron.solve(neuron.Given(w=0.5, x=1.0, optimizer="adam", learning_rate=0.1))


def test_the_courses_name_for_a_parameter_names_its_optimizer_state_too():
    from solver.graph.names import rename

    notation = {"W1": "alpha", "z": "a"}
    assert [rename(n, notation) for n in ("m_W1", "m_hat_W1_t2", "v_W1", "W1_new_t2", "v_b1")] == [
        "m_alpha", "m_hat_alpha_t2", "v_alpha", "alpha_new_t2", "v_b1"
    ]  # fmt: skip
    assert rename("b_h", {"h": "O"}) == "b_h"  # a hidden state renamed leaves the hidden bias as it is
