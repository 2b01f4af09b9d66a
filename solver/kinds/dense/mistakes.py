"""The activation-derivative mistakes of dense networks, as ``Variant``s on the slope steps.

The grader recognises a student's wrong value by re-running the solution with
one of these in place (``Solution.evaluate(variant=(step, name))``), so a
mistake in σ' is also recognised in every gradient and update downstream.
The wrong slopes themselves are data of each activation
(``solver.math.activations.slope_mistakes``); the loss's mistakes sit on the
steps ``solver.math.losses.loss_steps`` builds, the update's on those of
``solver.math.optimizers.update_step``.  The affine steps' own mistakes
(``bias_forgotten``, ``weights_transposed``, ``weights_not_transposed``) sit
with the steps in ``solver.kinds.dense.mlp_steps`` and
``solver.kinds.dense.neuron_steps``, where the shapes they need are known.
"""

from __future__ import annotations

from typing import Any

from solver.graph.steps import Variant
from solver.math.activations import Activation, slope_mistakes


def derivative_variants(act: Activation, combine: Any) -> tuple[Variant, ...]:
    """The activation-derivative mistakes, each fed through ``combine(wrong_slope, *deps)``."""
    return tuple(
        Variant(mistake.name, mistake.feedback, lambda *deps, wrong=mistake.slope: combine(wrong, *deps))
        for mistake in slope_mistakes(act)
    )
