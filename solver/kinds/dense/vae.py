"""Kind ``vae``: the loss of a variational autoencoder for one example, and its gradients.

L = ½‖x − x′‖² (reconstruction) + KL(N(μ, σ²) ‖ N(0, I)), with the encoder's
diagonal Gaussian given by μ and log σ²: KL = −½ Σ (1 + log σ² − μ² − σ²).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from solver.graph.steps import Solution
from solver.kinds import GIVEN_CONFIG

KIND = "vae"


@dataclass
class Given:
    __pydantic_config__: ClassVar[dict[str, Any]] = GIVEN_CONFIG

    x: float | list[float]
    """The input."""
    x_rec: float | list[float]
    """The reconstruction x′ (the decoder's output), of the same length as x."""
    mu: float | list[float]
    """The mean μ of the encoder's Gaussian, one entry per latent dimension."""
    log_var: float | list[float]
    """Its log variance log σ², of the same length as mu."""


def solve(given: Given, title: str | None = None) -> Solution:
    from solver.kinds.dense.vae_steps import solve_vae

    return solve_vae(KIND, given, title)
