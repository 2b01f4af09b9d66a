"""The steps of kind ``loss``: each loss and its derivative for one (y, ŷ) pair."""

from __future__ import annotations

from typing import Any

from solver.files.matrices import matrix_from_data
from solver.graph.errors import InputError
from solver.graph.steps import Solution
from solver.graph.tables import Column, Table
from solver.kinds.dense.layers import shown
from solver.math.losses import check_target, loss, loss_steps


def solve_table(kind: str, given: Any, title: str | None = None) -> Solution:
    y, y_hat = matrix_from_data(given.y, "y"), matrix_from_data(given.y_hat, "y_hat")
    if y.shape != y_hat.shape:
        raise InputError(_mismatch(y, y_hat), field="y_hat")
    if not given.losses:
        raise InputError("expected at least one loss", field="losses")
    losses = [
        loss(name, delta=given.huber_delta, reduction=given.reduction, where=f"losses.{i}")
        for i, name in enumerate(given.losses)
    ]
    _check_each_loss_once([lossfn.name for lossfn in losses])
    for lossfn in losses:
        check_target(lossfn.name, y)
    solution = Solution(kind, title or "Losses and their derivatives")
    solution.given("y", "target", shown(y))
    solution.given("y_hat", "prediction", shown(y_hat))
    table = Table("Loss table", [Column("loss"), Column("formula"), Column("L", numeric=True), Column("dL/dŷ")])
    try:
        _add_losses(solution, losses, table)
    except InputError as error:
        # The losses module speaks of the prediction it refused; here that is the given y_hat.
        error.field = "y_hat" if error.field == "y" else error.field
        raise
    solution.tables.append(table)
    return solution


def _mismatch(y: Any, y_hat: Any) -> str:
    if y.ndim == y_hat.ndim == 1:
        return f"y has {y.size} entries but y_hat has {y_hat.size}; expected the same length"
    return f"y has shape {y.shape} but y_hat has shape {y_hat.shape}; expected the same shape (a row per example)"


def _check_each_loss_once(names: list[str]) -> None:
    # Each loss is a row of the table and a step named after it: a second one would clash.
    for i, name in enumerate(names):
        if name in names[:i]:
            raise InputError(f"{name} is named twice; expected each loss once", field="losses")


def _add_losses(solution: Solution, losses: list[Any], table: Table) -> None:
    for lossfn in losses:
        value, gradient = loss_steps(
            lossfn,
            "y_hat",
            "y",
            (f"L_{lossfn.name}", f"dL_{lossfn.name}/dy_hat"),
            (f"{lossfn.name} loss", f"derivative of {lossfn.name} with respect to {{y_hat}}"),
            shown,
        )
        table.rows.append([lossfn.name, lossfn.summary, solution.add(value), solution.add(gradient)])
