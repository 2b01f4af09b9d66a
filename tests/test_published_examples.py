"""The problem files of published worked examples for the optimizers and losses beyond the notes: each one's
published answers recomputed by a plain loop written from the source's own description (not through the
solver), and the solver's values compared with that loop.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import PROBLEMS


def solved(cli, name: str) -> dict:
    result = cli("solve", PROBLEMS / name, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)["answers"]


def d2l_run(accumulate, eta: float, eps_inside: bool, steps: int = 20) -> tuple[float, float]:
    """d2l's 2-D example: f = 0.1·x1² + 2·x2² from (−5, −2), each coordinate scaled by its own accumulator."""
    x, s = [-5.0, -2.0], [0.0, 0.0]
    for _ in range(steps):
        gradient = [0.2 * x[0], 4 * x[1]]
        for i in range(2):
            s[i] = accumulate(s[i], gradient[i])
            root = math.sqrt(s[i] + 1e-6) if eps_inside else math.sqrt(s[i]) + 1e-6
            x[i] -= eta * gradient[i] / root
    return x[0], x[1]


def adagrad(s: float, g: float) -> float:
    return s + g * g


def rmsprop(s: float, g: float) -> float:
    return 0.9 * s + 0.1 * g * g


@pytest.mark.parametrize(
    ("name", "accumulate", "published"),
    [
        ("adagrad_d2l_quadratic.yaml", adagrad, (-2.382563, -0.158591)),
        ("rmsprop_d2l_quadratic.yaml", rmsprop, (-0.010599, 0.000000)),
    ],
)
def test_d2l_adaptive_optimizers(cli, name, accumulate, published):
    # d2l's own form (ε inside the root) gives the printed digits ...
    assert d2l_run(accumulate, 0.4, eps_inside=True) == pytest.approx(published, abs=5.1e-7)
    # ... and torch.optim's (ε outside), which the file declares as the erratum, gives the solver's values.
    x1, x2 = d2l_run(accumulate, 0.4, eps_inside=False)
    (solved_x1,), (solved_x2,) = solved(cli, name)["W1_new_t20"]
    assert (solved_x1, solved_x2) == pytest.approx((x1, x2), rel=1e-9, abs=1e-15)


def test_kl_divergence_of_kullbacks_example(cli):
    p, q = [0.36, 0.48, 0.16], [1 / 3] * 3
    by_hand = sum(pi * math.log(pi / qi) for pi, qi in zip(p, q, strict=True))
    assert by_hand == pytest.approx(0.0852996, abs=5.1e-8)  # Wikipedia's figure
    assert solved(cli, "kl_div_wikipedia_kullback.yaml")["L_kl_div"] == pytest.approx(by_hand, rel=1e-12)


def test_binary_cross_entropy_of_keras_examples(cli):
    # On logits: −[y log σ(z) + (1 − y) log(1 − σ(z))], with σ written out, averaged over the examples.
    logits, labels = [-18.6, 0.51, 2.94, -12.8], [0, 1, 0, 0]
    terms = []
    for z, y in zip(logits, labels, strict=True):
        p = 1 / (1 + math.exp(-z))
        terms.append(-(y * math.log(p) + (1 - y) * math.log(1 - p)))
    on_logits = sum(terms) / len(terms)
    assert on_logits == pytest.approx(0.865, abs=5.1e-4)
    assert solved(cli, "bce_logits_keras.yaml")["L_bce_logits"] == pytest.approx(on_logits, rel=1e-6)
    # On probabilities: each example's mean over its outputs (Keras: 0.916 and 0.714), then their mean.
    targets, predictions = [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]
    per_example = [
        -sum(y * math.log(p) + (1 - y) * math.log(1 - p) for y, p in zip(row_y, row_p, strict=True)) / 2
        for row_y, row_p in zip(targets, predictions, strict=True)
    ]
    assert per_example == pytest.approx([0.916, 0.714], abs=5.1e-4)
    mean = sum(per_example) / 2
    assert mean == pytest.approx(0.815, abs=5.1e-4)
    assert solved(cli, "bce_keras_two_examples.yaml")["L_bce"] == pytest.approx(mean, rel=1e-12)


def test_cs231n_vectorized_example_with_its_input_gradient_and_as_a_layer_given_its_upstream(cli):
    w, x = [[0.1, 0.5], [-0.3, 0.8]], [0.2, 0.4]
    q = [sum(w[i][j] * x[j] for j in range(2)) for i in range(2)]
    upstream = [2 * qi for qi in q]  # d(Σ q²)/dq
    by_hand = {
        "z1": q,
        "dL/dW1": [[upstream[i] * x[j] for j in range(2)] for i in range(2)],
        "dL/dx": [sum(w[i][j] * upstream[i] for i in range(2)) for j in range(2)],
    }
    published = {"z1": [0.22, 0.26], "dL/dW1": [[0.088, 0.176], [0.104, 0.208]], "dL/dx": [-0.112, 0.636]}
    for name, value in published.items():
        assert np.ravel(by_hand[name]) == pytest.approx(np.ravel(value), abs=5.1e-4)
    for file in ("cs231n_vectorized_input_gradient.yaml", "cs231n_vectorized_upstream.yaml"):
        answers = solved(cli, file)
        for name, value in by_hand.items():
            assert np.ravel(answers[name]) == pytest.approx(np.ravel(value), rel=1e-12), (file, name)
    assert solved(cli, "cs231n_vectorized_input_gradient.yaml")["loss"] == pytest.approx(sum(qi * qi for qi in q))


def test_adamw_decays_the_parameter_where_adam_with_l2_rescales_the_decay(cli, tmp_path):
    theta, lr, decay, beta1, beta2, eps = 1.0, 0.1, 0.5, 0.9, 0.999, 1e-8

    def adam_step(gradient: float, decoupled: bool) -> float:
        g = gradient if decoupled else gradient + decay * theta  # L2 folded into the gradient
        m_hat, v_hat = (1 - beta1) * g / (1 - beta1), (1 - beta2) * g * g / (1 - beta2)
        step = m_hat / (math.sqrt(v_hat) + eps)
        return theta - lr * (step + (decay * theta if decoupled else 0.0))

    assert adam_step(0.0, decoupled=True) == pytest.approx(0.95)  # the published answer
    ((solved_theta,),) = solved(cli, "adamw_decay_without_gradient.yaml")["W1_new"]
    assert solved_theta == pytest.approx(adam_step(0.0, decoupled=True), rel=1e-12)
    folded = (PROBLEMS / "adamw_decay_without_gradient.yaml").read_text("utf-8").replace("name: adamw", "name: adam")
    path = tmp_path / "adam_l2.yaml"
    path.write_text(folded, "utf-8")
    ((folded_theta,),) = json.loads(cli("solve", path, "--json").out)["answers"]["W1_new"]
    assert folded_theta == pytest.approx(adam_step(0.0, decoupled=False), rel=1e-9)
    assert folded_theta == pytest.approx(0.9, abs=1e-6)


def test_check_shows_a_source_as_written_and_enough_digits_to_see_an_erratum(cli):
    out = " ".join(cli("check", PROBLEMS / "adagrad_d2l_quadratic.yaml").out.split())
    # d2l's -2.382563 with its seven digits, and the computed value to eight: the 8·10⁻⁷ the erratum explains.
    assert "computed [[-2.3825636], [-0.1585906]], source states [[-2.382563], [-0.158591]]" in out
