"""The steps of kind ``vae``: the reconstruction loss (the ``half_squared`` entry), the KL term, their sum,
and the gradients with respect to x′, μ and log σ²."""

from __future__ import annotations

from typing import Any

import numpy as np

from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Solution, Step, Variant
from solver.kinds.dense.layers import shown, vector
from solver.math.losses import loss, loss_steps


def kl_to_standard_normal(mu: Any, log_var: Any, variance: Any) -> float:
    """KL(N(μ, σ²) ‖ N(0, I)) of a diagonal Gaussian: −½ Σ (1 + log σ² − μ² − σ²)."""
    return float(-0.5 * np.sum(1 + vector(log_var) - vector(mu) ** 2 - vector(variance)))


def _same_length(given: Any, first: str, second: str) -> None:
    a, b = vector(getattr(given, first)), vector(getattr(given, second))
    if a.size != b.size:
        raise InputError(
            f"{first} has {a.size} entries but {second} has {b.size}; expected the same length", field=second
        )


def solve_vae(kind: str, given: Any, title: str | None = None) -> Solution:
    _same_length(given, "x", "x_rec")
    _same_length(given, "mu", "log_var")
    solution = Solution(kind, title or "VAE loss: reconstruction and KL divergence")
    solution.given("x", "input", shown(vector(given.x)))
    solution.given("x_rec", "reconstruction x′", shown(vector(given.x_rec)))
    solution.given("mu", "mean μ of the latent Gaussian", shown(vector(given.mu)))
    solution.given("log_var", "log variance log σ² of the latent Gaussian", shown(vector(given.log_var)))
    reconstruction = loss("half_squared")
    for step in loss_steps(
        reconstruction,
        "x_rec",
        "x",
        ("L_rec", "dL/dx_rec"),
        ("reconstruction loss ½‖x′ − x‖²", "gradient with respect to the reconstruction"),
        shown,
    ):
        solution.add(step)
    solution.add(
        Step("sigma2", "variance σ² = e^(log σ²)", deps=("log_var",), compute=lambda v: shown(np.exp(vector(v))),
             formula=Template("e^{log_var}", r"e^{{log_var}}"))
    )  # fmt: skip
    solution.add(
        Step(
            "L_KL",
            "KL divergence from the standard normal",
            deps=("mu", "log_var", "sigma2"),
            compute=kl_to_standard_normal,
            formula=Template(
                "−½ Σ (1 + {log_var} − {mu}² − {sigma2})",
                r"-\frac{1}{2} \sum \left(1 + {log_var} - {mu}^2 - {sigma2}\right)",
            ),
            variants=(
                Variant(
                    "kl_without_half",
                    "The KL term is −½ Σ (1 + log σ² − μ² − σ²); you left out the ½.",
                    lambda m, v, s2: 2 * kl_to_standard_normal(m, v, s2),
                ),
            ),
        )
    )
    solution.add(
        Step("L", "VAE loss", deps=("L_rec", "L_KL"), compute=lambda r, k: r + k, formula=Template("{L_rec} + {L_KL}"))
    )
    solution.add(
        Step(
            "dL/dmu",
            "gradient with respect to μ",
            deps=("mu",),
            compute=lambda m: shown(vector(m)),
            formula=Template("{mu}"),
        )
    )
    solution.add(
        Step(
            "dL/dlog_var",
            "gradient with respect to log σ²",
            deps=("sigma2",),
            compute=lambda s2: shown(0.5 * (vector(s2) - 1)),
            formula=Template("½ ({sigma2} − 1)", r"\frac{1}{2} \left({sigma2} - 1\right)"),
            variants=(
                Variant(
                    "derivative_in_variance",
                    "The encoder outputs log σ², so differentiate by it: ½(σ² − 1); you differentiated by σ², "
                    "½(1 − 1/σ²).",
                    lambda s2: shown(0.5 * (1 - 1 / vector(s2))),
                ),
            ),
        )
    )
    return solution
