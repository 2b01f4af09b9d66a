"""Grading symbolic problems: carried-forward credit and declared mistakes work as for numbers.

The solution's symbolic steps compose their deps' expressions, so a student's own wrong earlier
expression is carried into the later steps (``Solution.evaluate``), and the classic slips are
variants of the steps where they happen.  Every expected grade is worked out by hand: points ×
0.8 carried forward, × 0.25 for a named mistake; every student expression is written out here.
"""

from __future__ import annotations

import pytest
from test_grade_judged import grade, one_problem, outcome

#: One sigmoid neuron with the squared error, derived in symbols (seed 002 (a) with σ).
NEURON = {"kind": "neuron", "given": {"activation": "sigmoid", "loss": "mse", "symbolic": True, "learning_rate": 0.5}}
ASK = {"a": 1, "loss": 2, "dL/da": 1, "da/dz": 1, "dL/dw": 2, "w_new": 1}


@pytest.fixture(scope="module")
def neuron(tmp_path_factory):
    return one_problem(tmp_path_factory.mktemp("symbolic"), NEURON, ASK)


def test_a_wrong_activation_carries_into_a_consistent_loss(neuron):
    # The activation forgotten (a = w·x + b), then the loss of that a: 2 points × 0.8.
    graded = grade(neuron, {"q": {"a": "w*x + b", "loss": "(w*x + b - y)^2"}})
    assert outcome(graded["q", "a"]) == ("wrong", None, 0)
    assert outcome(graded["q", "loss"]) == ("carried_forward", None, 1.6)
    assert "your a = b + w·x" in graded["q", "loss"].feedback


def test_a_wrong_loss_derivative_carries_into_the_chain(neuron):
    # dL/da without the 2 is named; dL/dw = dL/da·a(1 − a)·x from it is carried forward.
    graded = grade(neuron, {"q": {"dL/da": "a - y", "dL/dw": "x*(a - y)*a*(1 - a)"}})
    assert outcome(graded["q", "dL/da"]) == ("mistake", "derivative_missing_factor_2", 0.25)
    assert outcome(graded["q", "dL/dw"]) == ("carried_forward", None, 1.6)


def test_a_wrong_gradient_carries_into_the_update(neuron):
    # w_new = w − ½·dL/dw from the student's dL/dw (the slope dropped): named there, carried here.
    graded = grade(neuron, {"q": {"dL/dw": "2*x*(a - y)", "w_new": "w - x*(a - y)"}})
    assert outcome(graded["q", "dL/dw"]) == ("mistake", "activation_derivative_dropped", 0.5)
    assert outcome(graded["q", "w_new"]) == ("carried_forward", None, 0.8)


@pytest.mark.parametrize(
    ("step", "answer", "mistake", "score"),
    [
        ("loss", "(sigmoid(w*x + b) - y)^2/2", "loss_with_half", 0.5),
        ("dL/da", "2*(y - a)", "residual_reversed", 0.25),
        ("da/dz", "1 - a^2", None, 0),  # tanh's slope for a sigmoid: no rule of this problem gives it
        ("dL/dw", "2*x*(a - y)", "activation_derivative_dropped", 0.5),
        ("w_new", "w + x*(a - y)*a*(1 - a)", "gradient_ascent", 0.25),
    ],
)
def test_the_classic_slips_are_named_where_they_happen(neuron, step, answer, mistake, score):
    item = grade(neuron, {"q": {step: answer}})["q", step]
    assert outcome(item) == ("mistake" if mistake else "wrong", mistake, score)


def test_a_network_carries_a_wrong_output_gradient_into_the_deltas(tmp_path):
    # Two sigmoid layers with BCE: a dL/dy_hat of the wrong sign, and delta2 = its product with ŷ(1 − ŷ).
    network = {
        "kind": "mlp",
        "given": {
            "symbolic": True,
            "inputs": 2,
            "loss": "bce",
            "layers": [{"units": 2, "activation": "sigmoid"}, {"units": 1, "activation": "sigmoid"}],
        },
    }
    prepared = one_problem(tmp_path, network, {"dL/dy_hat": 1, "delta2": 2})
    answers = {"dL/dy_hat": "y/y_hat - (1 - y)/(1 - y_hat)", "delta2": "y - y_hat"}
    graded = grade(prepared, {"q": answers})
    # BCE declares no sign slip: the answer is still seen to be −1 times the truth.
    assert outcome(graded["q", "dL/dy_hat"]) == ("mistake", "constant_factor", 0.25)
    assert graded["q", "dL/dy_hat"].feedback == "Your expression is -1 times the answer."
    assert outcome(graded["q", "delta2"]) == ("carried_forward", None, 1.6)


def test_a_sigmoid_slope_of_the_activation_is_named(neuron):
    # σ' applied to a itself: σ(a)(1 − σ(a)) where a(1 − a) belongs.
    item = grade(neuron, {"q": {"da/dz": "sigmoid(a)*(1 - sigmoid(a))"}})["q", "da/dz"]
    assert outcome(item) == ("mistake", "sigmoid_derivative_of_activation", 0.25)
