"""The registries of activations, losses and optimizers, checked entry by entry.

Every entry's derivative is checked against central finite differences of its own
value, the new entries against PyTorch's documented formulas restated in NumPy,
and every kind is run with every entry: the next entry is covered without a new test.
"""

from __future__ import annotations

import numpy as np
import pytest

from solver.math.activations import ACTIVATIONS, sigmoid, slope_mistakes
from solver.math.losses import LOSSES, loss
from solver.math.optimizers import OPTIMIZERS

Z = np.array([-2.3, -0.7, -0.05, 0.4, 1.1, 2.6])  # away from the kinks of ReLU and its kin
H = 1e-6
ELEMENTWISE = [name for name, act in ACTIVATIONS.items() if act.elementwise]
SYMBOLIC_LOSSES = [name for name, entry in LOSSES.items() if entry.sympy_form is not None]
SYMBOLIC_ACTIVATIONS = [name for name, act in ACTIVATIONS.items() if act.sympy_value is not None]


def central(f, z):
    return (f(z + H) - f(z - H)) / (2 * H)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_activation_derivative_matches_finite_differences(name):
    act = ACTIVATIONS[name]
    np.testing.assert_allclose(act.derivative(Z), central(act, Z), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_activation_slope_from_its_output_is_its_slope(name):
    act = ACTIVATIONS[name]
    np.testing.assert_allclose(act.slope_from_output(act(Z)), act.derivative(Z), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", [n for n in ACTIVATIONS if slope_mistakes(ACTIVATIONS[n])])
def test_every_slope_mistake_shows_in_the_numbers(name):
    act = ACTIVATIONS[name]
    for mistake in slope_mistakes(act):
        assert not np.allclose(mistake.slope(Z), act.derivative(Z)), mistake.name


@pytest.mark.parametrize("name", [n for n in SYMBOLIC_ACTIVATIONS if slope_mistakes(ACTIVATIONS[n])])
def test_every_slope_mistakes_symbolic_form_is_its_numeric_slope(name):
    # Written in z and a = f(z) as symbolic mode shows it, evaluated at numbers: the same wrong slope.
    import sympy

    act = ACTIVATIONS[name]
    z, a = sympy.symbols("z a", real=True)
    for mistake in slope_mistakes(act):
        form = sympy.lambdify((z, a), mistake.sympy_slope(sympy, z, a), [{"sigma": sigmoid}, "numpy"])
        written = np.broadcast_to(form(Z, act(Z)), Z.shape)
        np.testing.assert_allclose(written, mistake.slope(Z), rtol=1e-12, err_msg=mistake.name)


def test_softplus_is_pytorchs():
    # torch.nn.functional.softplus (beta 1): log1p(exp(z)); its gradient torch.sigmoid(z).
    z = np.linspace(-30, 30, 61)
    softplus = ACTIVATIONS["softplus"]
    np.testing.assert_allclose(softplus(z), np.log1p(np.exp(z)), rtol=1e-12)
    np.testing.assert_allclose(softplus.derivative(z), 1 / (1 + np.exp(-z)), rtol=1e-12)
    with np.errstate(over="raise"):
        assert softplus(np.array([1000.0]))[0] == 1000.0 and softplus(np.array([-1000.0]))[0] >= 0


def _prediction_and_target(entry):
    """A point where the loss is smooth: probabilities for bce, a distribution for cross_entropy and nll."""
    if entry.targets == "distribution":
        return np.array([0.2, 0.5, 0.3]), np.array([0.0, 1.0, 0.0])
    if entry.targets == "probability":
        return np.array([0.3, 0.8, 0.6]), np.array([0.0, 1.0, 0.25])
    return np.array([0.3, -1.7, 2.2]), np.array([1.0, -1.0, 0.4])


@pytest.mark.parametrize("name", LOSSES)
def test_loss_gradient_matches_finite_differences(name):
    entry = loss(name)
    p, y = _prediction_and_target(entry)
    numeric = [(entry.value(p + H * e, y) - entry.value(p - H * e, y)) / (2 * H) for e in np.eye(p.size)]
    np.testing.assert_allclose(entry.gradient(p, y), numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("name", LOSSES)
def test_every_loss_mistake_shows_in_the_numbers(name):
    entry = loss(name)
    p, y = _prediction_and_target(entry)
    for mistake in entry.value_mistakes:
        assert not np.isclose(mistake.wrong(entry, p, y), entry.value(p, y)), mistake.name
    for mistake in entry.gradient_mistakes:
        assert not np.allclose(mistake.wrong(entry, p, y), entry.gradient(p, y)), mistake.name


def test_bce_on_logits_is_pytorchs():
    # torch.nn.BCEWithLogitsLoss(reduction="sum"): −Σ [y log σ(z) + (1 − y) log(1 − σ(z))]; gradient σ(z) − y.
    z, y = np.array([-3.0, -0.2, 0.0, 1.5, 4.0]), np.array([0.0, 1.0, 0.5, 1.0, 0.3])
    s = 1 / (1 + np.exp(-z))
    entry = loss("bce_logits")
    assert entry.value(z, y) == pytest.approx(-np.sum(y * np.log(s) + (1 - y) * np.log(1 - s)), rel=1e-12)
    np.testing.assert_allclose(entry.gradient(z, y), s - y, rtol=1e-12)
    assert entry.value(np.array([1000.0, -1000.0]), np.array([0.0, 1.0])) == pytest.approx(2000.0)


def test_sgd_steps_down_and_its_mistake_up():
    sgd = OPTIMIZERS["sgd"].update
    theta, gradient = np.array([1.0, -2.0]), np.array([0.5, -0.25])
    np.testing.assert_allclose(sgd.rule(theta, 0.1, gradient), [0.95, -1.975])
    np.testing.assert_allclose(sgd.mistakes[0].rule(theta, 0.1, gradient), [1.05, -2.025])


# --- every kind takes every entry ------------------------------------------------------------


@pytest.mark.parametrize("act", ELEMENTWISE)
@pytest.mark.parametrize("loss_name", LOSSES)
def test_the_neuron_command_takes_every_activation_and_loss(cli, act, loss_name):
    # z = 0.28: every activation's output lies in (0, 1), where the log-losses are defined too.
    args = ["neuron", "--w", "0.1", "--x", "0.8", "--b", "0.2", "--act", act, "--y", "1", "--loss", loss_name]
    result = cli(*args, "--lr", "0.1", "--json")
    assert result.code == 0, result.err


@pytest.mark.parametrize("loss_name", LOSSES)
def test_the_loss_command_takes_every_loss(cli, loss_name):
    y = "0,1,0" if LOSSES[loss_name].targets == "distribution" else "0,1,1"
    result = cli("loss", "--y", y, "--y-hat", "0.2,0.5,0.3", "--losses", loss_name, "--json")
    assert result.code == 0, result.err


@pytest.mark.parametrize("act", ELEMENTWISE)
@pytest.mark.parametrize("out", list(ACTIVATIONS))
def test_the_rnn_command_takes_every_activation(cli, act, out):
    y, wy = ("1, 0", "0.3 -0.2; 0.1 0.4") if out == "softmax" else ("0.5", "0.3; 0.1")
    args = ["rnn", "--x", "1 0; 0 1", "--wx", "0.5 -0.3; 0.2 0.4", "--wh", "0.1 0.2; -0.3 0.1", "--wy", wy]
    loss_name = "cross_entropy" if out == "softmax" else "bce" if out == "sigmoid" else "mse"
    result = cli(*args, "--y", y, "--act", act, "--out", out, "--loss", loss_name, "--lr", "0.1", "--json")
    assert result.code == 0, result.err


@pytest.mark.parametrize("loss_name", LOSSES)
def test_the_rnn_command_takes_every_loss(cli, loss_name):
    out = "softmax" if LOSSES[loss_name].targets == "distribution" else "sigmoid"
    y, wy = ("1, 0", "0.3 -0.2; 0.1 0.4") if out == "softmax" else ("1", "0.3; 0.1")
    args = ["rnn", "--x", "1 0; 0 1", "--wx", "0.5 -0.3; 0.2 0.4", "--wh", "0.1 0.2; -0.3 0.1", "--wy", wy]
    assert cli(*args, "--y", y, "--out", out, "--loss", loss_name, "--json").code == 0


def _network(tmp_path, act, loss_name, symbolic):
    target = "[0, 1]" if LOSSES[loss_name].targets == "distribution" else "[1, 0]"
    top = "softmax" if LOSSES[loss_name].targets == "distribution" else "sigmoid"
    text = (
        "kind: mlp\ngiven:\n  x: [0.5, -0.4]\n  y: " + target + "\n  loss: " + loss_name + "\n"
        + ("  symbolic: true\n" if symbolic else "  learning_rate: 0.1\n")
        + "  layers:\n"
        + f"    - {{weights: [[0.2, -0.1], [0.4, 0.3]], bias: [0.1, -0.2], activation: {act}}}\n"
        + f"    - {{weights: [[0.3, -0.5], [0.2, 0.1]], bias: [0.0, 0.1], activation: {top}}}\n"
    )  # fmt: skip
    path = tmp_path / "network.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("act", ELEMENTWISE)
@pytest.mark.parametrize("loss_name", LOSSES)
def test_the_mlp_kind_takes_every_activation_and_loss(cli, tmp_path, act, loss_name):
    result = cli("solve", _network(tmp_path, act, loss_name, symbolic=False), "--json")
    assert result.code == 0, result.err


@pytest.mark.parametrize("act", SYMBOLIC_ACTIVATIONS)
def test_symbolic_mode_takes_every_activation(cli, act):
    assert cli("neuron", "--act", act, "--symbolic", "--json").code == 0


@pytest.mark.parametrize("loss_name", SYMBOLIC_LOSSES)
def test_symbolic_mode_takes_every_loss(cli, loss_name):
    assert cli("neuron", "--act", "sigmoid", "--y", "1", "--loss", loss_name, "--symbolic", "--json").code == 0


@pytest.mark.parametrize("act", ["softplus"])
@pytest.mark.parametrize("loss_name", ["bce_logits", "mse"])
def test_a_symbolic_network_takes_the_new_entries(cli, tmp_path, act, loss_name):
    assert cli("solve", _network(tmp_path, act, loss_name, symbolic=True), "--json").code == 0


def test_every_entry_but_softmax_has_a_sympy_form():
    assert set(ACTIVATIONS) - set(SYMBOLIC_ACTIVATIONS) == {"softmax"}
    assert set(LOSSES) - set(SYMBOLIC_LOSSES) == {"huber"}
