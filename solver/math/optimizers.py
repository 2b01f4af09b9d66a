"""Every optimizer in one table: its update rule, how it is written, and its classic mistakes.

An update step reads the parameter, the learning rate and the gradient and
applies the entry's ``rule``; ``update_step`` builds that step for any kind, so
the neuron, the network, the rnn and symbolic mode update the same way.  The
rule is plain arithmetic (``θ − η g``), so it runs on NumPy arrays and SymPy
matrices alike; a kind turns the result into its own display form.  A new
optimizer (momentum, Adam) is one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from solver.graph.formula import Template
from solver.graph.steps import Step, Variant

#: (parameter, learning rate, gradient) -> the updated parameter
Rule = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class UpdateMistake:
    name: str
    feedback: str
    rule: Rule


@dataclass(frozen=True)
class Optimizer:
    name: str
    title: str  # "gradient-descent update", as a step's title begins
    rule: Rule
    #: The update with holes {theta}, {eta}, {gradient}: text, and LaTeX.
    text: str
    latex: str
    mistakes: tuple[UpdateMistake, ...] = ()

    def formula(self, parameter: str, rate: str, gradient: str, template: type[Template] = Template) -> Template:
        def fill(pattern: str) -> str:
            holes = {"{theta}": parameter, "{eta}": rate, "{gradient}": gradient}
            for hole, text in holes.items():
                pattern = pattern.replace(hole, text)
            return pattern

        return template(fill(self.text), fill(self.latex))


OPTIMIZERS: dict[str, Optimizer] = {
    entry.name: entry
    for entry in (
        Optimizer(
            "sgd",
            "gradient-descent update",
            lambda theta, eta, gradient: theta - eta * gradient,
            "{theta} − {eta}·{gradient}",
            r"{theta} - {eta} \cdot {gradient}",
            mistakes=(
                UpdateMistake(
                    "gradient_ascent",
                    "Gradient descent subtracts η·gradient; you added it, which climbs the loss.",
                    lambda theta, eta, gradient: theta + eta * gradient,
                ),
            ),
        ),
    )
}


def update_step(
    name: str,
    parameter: str,
    gradient: str,
    *,
    shown: Callable[[Any], Any],
    as_operand: Callable[[Any], Any],
    rate: str = "eta",
    optimizer: str = "sgd",
    title: str | None = None,
    index_origin: tuple[int, ...] = (),
    template: type[Template] = Template,
) -> Step:
    """``name`` = the optimizer's update of step ``parameter`` by step ``gradient`` at the rate in step ``rate``.

    ``as_operand`` turns a step's value into something the rule can compute with
    (a NumPy array, a SymPy matrix), ``shown`` the result into the kind's display form;
    ``template`` is the kind's kind of ``Template`` (symbolic mode groups compound values).
    """
    entry = OPTIMIZERS[optimizer]

    def by(rule: Rule) -> Callable[[Any, Any, Any], Any]:
        return lambda theta, eta, g: shown(rule(as_operand(theta), eta, as_operand(g)))

    return Step(
        name,
        title or f"{entry.title} of {{{parameter}}}",
        deps=(parameter, rate, gradient),
        compute=by(entry.rule),
        formula=entry.formula("{" + parameter + "}", "{" + rate + "}", "{" + gradient + "}", template),
        index_origin=index_origin,
        variants=tuple(Variant(m.name, m.feedback, by(m.rule)) for m in entry.mistakes),
    )
