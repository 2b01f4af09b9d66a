"""Every optimizer in one table: the quantities it computes at each step, how they are written, their mistakes.

An optimizer updates each parameter θ from its gradient g through a few
quantities worked one after another: momentum's velocity ``v``, AdaGrad's sum
of squared gradients, Adam's running means ``m`` and ``v`` and their
bias-corrected ``m̂`` and ``v̂``, and last the new parameter.  Each quantity is
one ``Quantity`` (what it reads, its rule, its formula, its classic mistakes),
so a kind gets every optimizer's steps from ``update_steps`` and a new
optimizer is one entry here.

The conventions are those ``torch.optim`` documents: momentum as
``v = μv + g, θ −= ηv`` (``torch.optim.SGD``), weight decay as ``λθ`` added to
the gradient (AdamW subtracts ``ηλθ`` from the parameter instead), every state
starting at 0.  Andrew Ng's course writes momentum as an average,
``v = βv + (1 − β)g``: that is the option ``momentum_form: average``.

A rule is plain arithmetic on its operands, so SGD runs on NumPy arrays and
SymPy matrices alike; a kind turns the result into its own display form.

>>> choice = choose({"name": "adam", "lr": 0.1})
>>> [q.symbol for q in choice.entry.quantities], choice.hyper["beta2"]
(['m', 'v', 'm_hat', 'v_hat', 'new'], 0.999)
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from solver.graph.errors import InputError
from solver.graph.formula import Template
from solver.graph.steps import Solution, Step, Variant

#: A rule takes the value of each of its quantity's ``reads``, in order.
Rule = Callable[..., Any]

#: What a quantity reads besides hyper-parameters and other quantities: the parameter, its gradient,
#: and the step number t (Adam's bias correction divides by 1 − β^t).
THETA, GRADIENT, STEP_NUMBER = "theta", "g", "t"
#: A quantity's value at the previous step is read as ``<symbol>_prev`` (0 before the first step).
PREVIOUS = "_prev"


def _sqrt(value: Any) -> Any:
    return value**0.5


@dataclass(frozen=True)
class Mistake:
    """A classic wrong rule for a quantity; ``reads`` when it reads other quantities than the right rule."""

    name: str
    feedback: str
    rule: Rule
    reads: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Quantity:
    """One quantity an optimizer works out for each parameter at each step.

    ``reads`` names, in the order ``rule`` takes them: ``theta``, ``g``, ``t``,
    hyper-parameters (``eta``, ``mu``, ...), quantities worked before it at the
    same step, and ``<symbol>_prev`` for a quantity's value at the step before.
    ``text`` and ``latex`` are the formula with a hole ``{read}`` per read.
    """

    symbol: str
    title: str
    reads: tuple[str, ...]
    rule: Rule
    text: str
    latex: str
    mistakes: tuple[Mistake, ...] = ()
    note: str | None = None
    #: The quantity's form at step 1, where it differs from the general one with every state at 0.
    first: Quantity | None = None

    def formula(self, holes: Mapping[str, str], template: type[Template] = Template) -> Template:
        """The formula with each read written as ``holes`` says (a step's ``{name}`` hole, or a number)."""

        def filled(pattern: str) -> str:
            for read in self.reads:
                pattern = pattern.replace("{" + read + "}", holes[read])
            return pattern

        return template(filled(self.text), filled(self.latex))


@dataclass(frozen=True)
class Hyper:
    """A hyper-parameter: its step name, what it is, the setting it is read from, and its default."""

    symbol: str
    title: str
    setting: str
    default: float | None
    #: "positive" (η, ε), "fraction" (in [0, 1): β, μ, α), "non-negative" (λ)
    bounds: str
    #: Which entry of a list setting (``betas: [β1, β2]``).
    index: int | None = None


HYPERS: dict[str, Hyper] = {
    h.symbol: h
    for h in (
        Hyper("eta", "learning rate η", "lr", None, "positive"),
        Hyper("mu", "momentum μ", "momentum", 0.9, "fraction"),
        Hyper("beta", "momentum β (averaged form)", "momentum", 0.9, "fraction"),
        Hyper("alpha", "smoothing constant α of the squared gradients", "alpha", 0.99, "fraction"),
        Hyper("beta1", "decay rate β1 of the first moment", "betas", 0.9, "fraction", 0),
        Hyper("beta2", "decay rate β2 of the second moment", "betas", 0.999, "fraction", 1),
        Hyper("epsilon", "ε added to the root for numerical stability", "eps", 1e-8, "positive"),
        Hyper("lambda", "weight decay λ", "weight_decay", 0.0, "non-negative"),
    )
}

_ASCENT = "{rule} subtracts η·{step}; you added it, which climbs the loss."


def _descent(direction: str, title: str, ascent_feedback: str) -> Quantity:
    """θ − η·(direction): the last quantity of SGD and of the momentum forms."""
    return Quantity(
        "new",
        title,
        (THETA, "eta", direction),
        lambda theta, eta, step: theta - eta * step,
        f"{{{THETA}}} − {{eta}}·{{{direction}}}",
        rf"{{{THETA}}} - {{eta}} \cdot {{{direction}}}",
        mistakes=(
            Mistake(
                "gradient_ascent",
                ascent_feedback,
                lambda theta, eta, step: theta + eta * step,
            ),
        ),
    )


def _scaled(root_of: str, title: str, mistakes: tuple[Mistake, ...] = ()) -> Quantity:
    """θ − η·g / (√s + ε): AdaGrad's and RMSprop's update, each gradient scaled by its own history."""
    return Quantity(
        "new",
        title,
        (THETA, "eta", GRADIENT, root_of, "epsilon"),
        lambda theta, eta, g, s, eps: theta - eta * g / (_sqrt(s) + eps),
        f"{{{THETA}}} − {{eta}}·{{{GRADIENT}}} / (√{{{root_of}}} + {{epsilon}})",
        rf"{{{THETA}}} - {{eta}} \frac{{{{{GRADIENT}}}}}{{\sqrt{{{{{root_of}}}}} + {{epsilon}}}}",
        mistakes=(
            Mistake(
                "root_forgotten",
                "The gradient is divided by the square root of the accumulated squares; you divided by the sum itself.",
                lambda theta, eta, g, s, eps: theta - eta * g / (s + eps),
            ),
            *mistakes,
        ),
    )


def _average(symbol: str, title: str, rate: str, of_square: bool) -> Quantity:
    """``rate``·previous + (1 − ``rate``)·g (or g ⊙ g, entry by entry): the running means of RMSprop and Adam."""
    g = f"{{{GRADIENT}}} ⊙ {{{GRADIENT}}}" if of_square else f"{{{GRADIENT}}}"
    g_latex = rf"{{{GRADIENT}}} \odot {{{GRADIENT}}}" if of_square else f"{{{GRADIENT}}}"
    power = 2 if of_square else 1
    mistakes = ()
    if of_square:
        mistakes = (
            Mistake(
                "gradient_not_squared",
                f"{symbol} averages the squared gradient g² (entry by entry); you averaged g itself.",
                lambda rho, previous, grad: rho * previous + (1 - rho) * grad,
            ),
        )
    return Quantity(
        symbol,
        title,
        (rate, symbol + PREVIOUS, GRADIENT),
        lambda rho, previous, grad: rho * previous + (1 - rho) * grad**power,
        f"{{{rate}}}·{{{symbol}{PREVIOUS}}} + (1 − {{{rate}}})·{g}",
        rf"{{{rate}}} \cdot {{{symbol}{PREVIOUS}}} + (1 - {{{rate}}}) \cdot {g_latex}",
        mistakes=mistakes,
    )


def _bias_corrected(symbol: str, rate: str) -> Quantity:
    return Quantity(
        f"{symbol}_hat",
        f"bias-corrected {symbol}",
        (symbol, rate, STEP_NUMBER),
        lambda running, rho, t: running / (1 - rho**t),
        f"{{{symbol}}} / (1 − {{{rate}}}^{{{STEP_NUMBER}}})",
        rf"\frac{{{{{symbol}}}}}{{1 - {{{rate}}}^{{{{{STEP_NUMBER}}}}}}}",
    )


_AVERAGED_VELOCITY = Mistake(
    "averaged_velocity",
    "This problem follows PyTorch, v = μv + g; you averaged, v = μv + (1 − μ)g, as Andrew Ng's course does.",
    lambda mu, previous, g: mu * previous + (1 - mu) * g,
)
_VELOCITY_SIGN = Mistake(
    "velocity_sign",
    "The velocity adds the gradient (v = μv + g) and the update subtracts ηv; you subtracted the gradient.",
    lambda mu, previous, g: mu * previous - g,
)

_VELOCITY = Quantity(
    "v",
    "velocity",
    ("mu", "v" + PREVIOUS, GRADIENT),
    lambda mu, previous, g: mu * previous + g,
    f"{{mu}}·{{v{PREVIOUS}}} + {{{GRADIENT}}}",
    rf"{{mu}} \cdot {{v{PREVIOUS}}} + {{{GRADIENT}}}",
    mistakes=(_AVERAGED_VELOCITY, _VELOCITY_SIGN),
    # torch.optim.SGD: "if t > 1: b = μb + g, else b = g": μ has nothing to multiply yet.
    first=Quantity(
        "v",
        "velocity (the first is the gradient)",
        (GRADIENT,),
        lambda g: g,
        f"{{{GRADIENT}}}",
        f"{{{GRADIENT}}}",
        mistakes=(
            Mistake(
                _AVERAGED_VELOCITY.name,
                _AVERAGED_VELOCITY.feedback,
                lambda mu, g: (1 - mu) * g,
                reads=("mu", GRADIENT),
            ),
            Mistake(_VELOCITY_SIGN.name, _VELOCITY_SIGN.feedback, lambda g: -g),
        ),
    ),
)

_ADAM_UPDATE = Quantity(
    "new",
    "Adam update",
    (THETA, "eta", "m_hat", "v_hat", "epsilon"),
    lambda theta, eta, m_hat, v_hat, eps: theta - eta * m_hat / (_sqrt(v_hat) + eps),
    f"{{{THETA}}} − {{eta}}·{{m_hat}} / (√{{v_hat}} + {{epsilon}})",
    rf"{{{THETA}}} - {{eta}} \frac{{{{m_hat}}}}{{\sqrt{{{{v_hat}}}} + {{epsilon}}}}",
    mistakes=(
        Mistake(
            "bias_not_corrected",
            "Adam divides the moments by 1 − β^t before the update (m̂, v̂); you used m and v as they are.",
            lambda theta, eta, m, v, eps: theta - eta * m / (_sqrt(v) + eps),
            reads=(THETA, "eta", "m", "v", "epsilon"),
        ),
    ),
)

_ADAMW_UPDATE = Quantity(
    "new",
    "AdamW update (decoupled weight decay)",
    (THETA, "eta", "lambda", "m_hat", "v_hat", "epsilon"),
    lambda theta, eta, decay, m_hat, v_hat, eps: theta - eta * (decay * theta + m_hat / (_sqrt(v_hat) + eps)),
    f"{{{THETA}}} − {{eta}}·({{lambda}}·{{{THETA}}} + {{m_hat}} / (√{{v_hat}} + {{epsilon}}))",
    rf"{{{THETA}}} - {{eta}} \left({{lambda}} \cdot {{{THETA}}}"
    rf" + \frac{{{{m_hat}}}}{{\sqrt{{{{v_hat}}}} + {{epsilon}}}}\right)",
)

#: The gradient with L2 weight decay, as torch.optim adds it before any other quantity.
WEIGHT_DECAY = Quantity(
    "g",
    "gradient with weight decay",
    (GRADIENT, "lambda", THETA),
    lambda g, decay, theta: g + decay * theta,
    f"{{{GRADIENT}}} + {{lambda}}·{{{THETA}}}",
    rf"{{{GRADIENT}}} + {{lambda}} \cdot {{{THETA}}}",
    mistakes=(
        Mistake(
            "decay_subtracted",
            "Weight decay adds λθ to the gradient (so the update shrinks θ); you subtracted it.",
            lambda g, decay, theta: g - decay * theta,
        ),
    ),
)


@dataclass(frozen=True)
class Optimizer:
    name: str
    quantities: tuple[Quantity, ...]
    #: Hyper-parameters a problem may set, besides η (and λ, which every optimizer takes).
    settings: tuple[str, ...] = ()
    #: Defaults where PyTorch's differ from those of ``HYPERS`` (AdaGrad's ε is 1e-10, AdamW's λ 0.01).
    defaults: Mapping[str, float] = field(default_factory=dict)
    #: Weight decay is part of the update (AdamW), not added to the gradient.
    decoupled: bool = False

    @property
    def update(self) -> Quantity:
        """The last quantity: the new parameter."""
        return self.quantities[-1]

    def hypers(self) -> list[str]:
        """Every hyper-parameter a rule of this optimizer reads, in the order first read (η first)."""
        found = ["eta"]
        for quantity in (WEIGHT_DECAY, *self.quantities):
            found += [read for read in quantity.reads if read in HYPERS and read not in found]
        return found


OPTIMIZERS: dict[str, Optimizer] = {
    entry.name: entry
    for entry in (
        # gradient descent, θ − η·g (the setting momentum: 0 is this too, as in torch.optim.SGD)
        Optimizer(
            "sgd",
            (_descent(GRADIENT, "gradient-descent update", _ASCENT.format(rule="Gradient descent", step="gradient")),),
            settings=("momentum",),
        ),
        # momentum as torch.optim.SGD writes it: v = μv + g, θ − η·v
        Optimizer(
            "momentum",
            (_VELOCITY, _descent("v", "momentum update", _ASCENT.format(rule="The momentum update", step="v"))),
            settings=("momentum",),
        ),
        # Nesterov momentum as torch.optim.SGD writes it: v = μv + g, θ − η·(g + μv)
        Optimizer(
            "nesterov",
            (
                _VELOCITY,
                Quantity(
                    "new",
                    "Nesterov update",
                    (THETA, "eta", GRADIENT, "mu", "v"),
                    lambda theta, eta, g, mu, v: theta - eta * (g + mu * v),
                    f"{{{THETA}}} − {{eta}}·({{{GRADIENT}}} + {{mu}}·{{v}})",
                    rf"{{{THETA}}} - {{eta}} \left({{{GRADIENT}}} + {{mu}} \cdot {{v}}\right)",
                    mistakes=(
                        Mistake(
                            "classic_momentum",
                            "Nesterov steps by g + μv (the gradient looked at ahead); you stepped by v.",
                            lambda theta, eta, v: theta - eta * v,
                            reads=(THETA, "eta", "v"),
                        ),
                    ),
                ),
            ),
            settings=("momentum",),
        ),
        # momentum as an average (Andrew Ng's form): v = βv + (1 − β)g, θ − η·v
        Optimizer(
            "momentum_average",
            (
                Quantity(
                    "v",
                    "velocity (an exponentially weighted average of the gradients)",
                    ("beta", "v" + PREVIOUS, GRADIENT),
                    lambda beta, previous, g: beta * previous + (1 - beta) * g,
                    f"{{beta}}·{{v{PREVIOUS}}} + (1 − {{beta}})·{{{GRADIENT}}}",
                    rf"{{beta}} \cdot {{v{PREVIOUS}}} + (1 - {{beta}}) \cdot {{{GRADIENT}}}",
                    mistakes=(
                        Mistake(
                            "summed_velocity",
                            "This problem averages, v = βv + (1 − β)g (Andrew Ng's form); you summed, v = βv + g.",
                            lambda beta, previous, g: beta * previous + g,
                        ),
                    ),
                    note="Andrew Ng's form; PyTorch's v = μv + g takes the same steps at learning rate η(1 − β)",
                ),
                _descent("v", "momentum update", _ASCENT.format(rule="The momentum update", step="v")),
            ),
            settings=("momentum",),
        ),
        # AdaGrad: s = s + g², θ − η·g / (√s + ε)
        Optimizer(
            "adagrad",
            (
                Quantity(
                    "s",
                    "sum of squared gradients",
                    ("s" + PREVIOUS, GRADIENT),
                    lambda previous, g: previous + g**2,
                    f"{{s{PREVIOUS}}} + {{{GRADIENT}}} ⊙ {{{GRADIENT}}}",
                    rf"{{s{PREVIOUS}}} + {{{GRADIENT}}} \odot {{{GRADIENT}}}",
                ),
                _scaled("s", "AdaGrad update"),
            ),
            settings=("eps",),
            defaults={"epsilon": 1e-10},
        ),
        # RMSprop: v = αv + (1 − α)g², θ − η·g / (√v + ε)
        Optimizer(
            "rmsprop",
            (
                _average("v", "running mean of squared gradients", "alpha", of_square=True),
                _scaled("v", "RMSprop update"),
            ),
            settings=("alpha", "eps"),
        ),
        # Adam: running means m of g and v of g², corrected by 1 − β^t
        Optimizer(
            "adam",
            (
                _average("m", "first moment (running mean of gradients)", "beta1", of_square=False),
                _average("v", "second moment (running mean of squared gradients)", "beta2", of_square=True),
                _bias_corrected("m", "beta1"),
                _bias_corrected("v", "beta2"),
                _ADAM_UPDATE,
            ),
            settings=("betas", "eps"),
        ),
    )
}
# AdamW: Adam with weight decay subtracted from the parameter (decoupled), not added to the gradient
OPTIMIZERS["adamw"] = Optimizer(
    "adamw",
    (*OPTIMIZERS["adam"].quantities[:-1], _ADAMW_UPDATE),
    settings=("betas", "eps"),
    defaults={"lambda": 0.01},
    decoupled=True,
)


@dataclass(frozen=True)
class Choice:
    """An optimizer with the value of each hyper-parameter it reads (η included)."""

    entry: Optimizer
    hyper: Mapping[str, float] = field(default_factory=dict)

    @property
    def decays(self) -> bool:
        """Weight decay added to the gradient, as torch.optim does unless it is decoupled."""
        return self.hyper.get("lambda", 0.0) > 0 and not self.entry.decoupled

    def givens(self) -> list[tuple[str, str, float]]:
        """(step name, title, value) of each hyper-parameter a step reads, η first."""
        return [
            (symbol, HYPERS[symbol].title, self.hyper[symbol])
            for symbol in self.entry.hypers()
            if symbol != "lambda" or self.decays or self.entry.decoupled
        ]


#: Settings that choose an optimizer's form rather than give it a number.
_FORMS = {"name", "lr", "weight_decay", "nesterov", "decoupled_weight_decay", "momentum_form"}


def choose(settings: Any, learning_rate: float | None = None, where: str = "optimizer") -> Choice:
    """The optimizer a problem's ``optimizer`` field names, its hyper-parameters checked.

    ``settings`` is a name (``adam``), or a mapping (or dataclass) as in a problem file:
    ``{name: adam, lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0}``.
    ``learning_rate`` is the problem's own ``learning_rate`` field, used when
    ``lr`` is not given (both given must agree).
    """
    if dataclasses.is_dataclass(settings) and not isinstance(settings, type):  # a problem's validated settings
        settings = dataclasses.asdict(settings)
    given = {"name": settings} if isinstance(settings, str) or settings is None else dict(settings)
    given = {key: value for key, value in given.items() if value is not None}
    entry = _entry(given, where)
    unused = sorted(set(given) - _FORMS - set(entry.settings))
    if unused:
        accepted = ", ".join(sorted({"lr", "weight_decay", *entry.settings}))
        raise InputError(
            f"{unused[0]} is not a setting of {entry.name}; expected only: {accepted}",
            field=f"{where}.{unused[0]}",
        )
    lr = given.get("lr", learning_rate)
    if "lr" in given and learning_rate is not None and given["lr"] != learning_rate:
        raise InputError(
            f"learning_rate {learning_rate:g} and {where}.lr {given['lr']:g} disagree; expected one learning rate",
            field=f"{where}.lr",
        )
    if lr is None:
        raise InputError(
            f"{entry.name} needs a learning rate; expected {where}.lr or learning_rate", field=f"{where}.lr"
        )
    hyper = {"eta": _checked(HYPERS["eta"], lr, f"{where}.lr")}
    for symbol in entry.hypers()[1:]:
        hyper[symbol] = _hyper_value(HYPERS[symbol], given, entry, where)
    return Choice(entry, hyper)


def _entry(given: Mapping[str, Any], where: str) -> Optimizer:
    """The registry entry the name and the form settings select, as torch.optim's options do."""
    name = str(given.get("name", "sgd")).strip().lower()
    if name not in OPTIMIZERS or name == "momentum_average":
        known = ", ".join(n for n in OPTIMIZERS if n != "momentum_average")
        raise InputError(f"unknown optimizer {name!r}; expected one of: {known}", field=f"{where}.name")
    if name == "sgd" and given.get("momentum", 0) != 0:  # a momentum out of range is refused there, not ignored
        name = "momentum"
    if given.get("nesterov"):
        if name not in ("momentum", "nesterov"):
            raise InputError(
                f"nesterov: true is a form of momentum, not of {name}; expected name: momentum (or momentum > 0)",
                field=f"{where}.nesterov",
            )
        name = "nesterov"
    form = given.get("momentum_form", "pytorch")
    if form not in ("pytorch", "average"):
        raise InputError(f"momentum_form {form!r}; expected pytorch or average", field=f"{where}.momentum_form")
    if form == "average":
        if name != "momentum":
            raise InputError(
                f"the averaged form is one of classic momentum, not of {name}; expected name: momentum",
                field=f"{where}.momentum_form",
            )
        name = "momentum_average"
    if given.get("decoupled_weight_decay"):
        if name not in ("adam", "adamw"):
            raise InputError(
                f"decoupled_weight_decay is an option of adam, not of {name}; expected name: adam",
                field=f"{where}.decoupled_weight_decay",
            )
        name = "adamw"
    return OPTIMIZERS[name]


_BOUNDS = {
    "positive": (lambda v: v > 0, "> 0"),
    "fraction": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "non-negative": (lambda v: v >= 0, "≥ 0"),
}


def _hyper_value(hyper: Hyper, given: Mapping[str, Any], entry: Optimizer, where: str) -> float:
    value = given.get(hyper.setting, entry.defaults.get(hyper.symbol, hyper.default))
    field_name = f"{where}.{hyper.setting}"
    if hyper.index is not None and hyper.setting in given:
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise InputError(f"{hyper.setting} {value!r}; expected two numbers [β1, β2]", field=field_name)
        value, field_name = value[hyper.index], f"{field_name}.{hyper.index}"
    return _checked(hyper, value, field_name)


def _checked(hyper: Hyper, value: Any, field_name: str) -> float:
    """``value`` as the hyper-parameter's number, refused outside its bounds."""
    holds, expected = _BOUNDS[hyper.bounds]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not holds(value):
        raise InputError(f"{hyper.title} = {value!r}; expected a number {expected}", field=field_name)
    return float(value)


SGD = Choice(OPTIMIZERS["sgd"])


#: The suffix of a training run's steps after the first (``loss_t2``, ``W1_new_t3``, ``m_W1_t2``).
LATER_STEP = re.compile(r"_t\d+$")


def is_later_training_step(name: str) -> bool:
    """Whether step ``name`` belongs to training step 2 or later (the first pass's steps have no suffix)."""
    return LATER_STEP.search(name) is not None


def training_choice(optimizer: Any, learning_rate: float | None, target: object) -> Choice | None:
    """The optimizer of a problem's update steps, if it takes any (a learning rate or an optimizer)."""
    if optimizer is None:
        return None if learning_rate is None else choose(None, learning_rate)
    if target is None:
        raise InputError("optimizer is given but there is no target y to take a loss against", field="optimizer")
    return choose(optimizer, learning_rate)


def update_steps(
    choice: Choice,
    parameter: str,
    gradient: str,
    *,
    shown: Callable[[Any], Any],
    as_operand: Callable[[Any], Any],
    current: str | None = None,
    step_number: int = 1,
    template: type[Template] = Template,
    index_origin: tuple[int, ...] = (),
) -> list[Step]:
    """The steps that update ``parameter`` by the gradient in step ``gradient``, in order.

    Step 1 names its quantities ``v_W1``, ``m_hat_W1``, ..., and the new
    parameter ``W1_new``; step t > 1 adds ``_t<t>`` and reads the previous
    step's quantities (before step 1 every state is 0).  ``current`` is the
    step holding the parameter's value before this update (``parameter``
    itself at step 1).  Hyper-parameters are the steps named as in ``HYPERS``
    (``eta``, ``beta1``, ...), which the kind adds from ``choice.givens()``.
    ``as_operand`` turns a step's value into something a rule computes with
    (a NumPy array, a SymPy matrix), ``shown`` the result into the kind's
    display form; ``template`` is the kind's kind of ``Template``.
    """
    suffix = "" if step_number == 1 else f"_t{step_number}"
    before = "" if step_number <= 2 else f"_t{step_number - 1}"
    names = {THETA: current or parameter, GRADIENT: gradient, **{symbol: symbol for symbol in HYPERS}}
    quantities = ((WEIGHT_DECAY,) if choice.decays else ()) + choice.entry.quantities
    steps = []
    for general in quantities:
        quantity = general.first if step_number == 1 and general.first is not None else general
        name = f"{parameter}_new{suffix}" if quantity.symbol == "new" else f"{quantity.symbol}_{parameter}{suffix}"

        def source(read: str) -> str | float:
            if read == STEP_NUMBER:
                return float(step_number)
            if read.endswith(PREVIOUS):
                symbol = read.removesuffix(PREVIOUS)
                return 0.0 if step_number == 1 else f"{symbol}_{parameter}{before}"
            return names[read]

        title = f"{quantity.title} of {{{parameter}}}" + ("" if step_number == 1 else f" (step {step_number})")
        steps.append(_quantity_step(quantity, name, title, source, shown, as_operand, template, index_origin))
        names[quantity.symbol] = name
    return steps


def add_updates(
    solution: Solution,
    choice: Choice,
    trained: list[tuple[str, tuple[int, ...]]],
    *,
    shown: Callable[[Any], Any],
    as_operand: Callable[[Any], Any],
) -> None:
    """Every trained parameter's update steps (``name``, index origins), by the gradient in step ``dL/d<name>``."""
    for parameter, origin in trained:
        for step in update_steps(
            choice, parameter, f"dL/d{parameter}", shown=shown, as_operand=as_operand, index_origin=origin
        ):
            solution.add(step)


def _quantity_step(
    quantity: Quantity,
    name: str,
    title: str,
    source: Callable[[str], str | float],
    shown: Callable[[Any], Any],
    as_operand: Callable[[Any], Any],
    template: type[Template],
    index_origin: tuple[int, ...],
) -> Step:
    """One quantity as a step: each read a dep (a step's name) or a number fixed by the step (t, a first 0)."""

    def computed(rule: Rule, reads: tuple[str, ...]) -> tuple[tuple[str, ...], Callable[..., Any]]:
        sources = [source(read) for read in reads]
        deps = tuple(s for s in sources if isinstance(s, str))

        def compute(*values: Any) -> Any:
            given = iter(values)
            arguments = [
                s if not isinstance(s, str) else next(given) if read in HYPERS else as_operand(next(given))
                for read, s in zip(reads, sources, strict=True)
            ]
            return shown(rule(*arguments))

        return deps, compute

    holes = {}
    for read in quantity.reads:
        fixed = source(read)
        holes[read] = "{" + fixed + "}" if isinstance(fixed, str) else f"{fixed:g}"
    deps, compute = computed(quantity.rule, quantity.reads)
    variants = []
    for mistake in quantity.mistakes:
        mistake_deps, mistake_compute = computed(mistake.rule, mistake.reads or quantity.reads)
        variants.append(
            Variant(mistake.name, mistake.feedback, mistake_compute, mistake_deps if mistake.reads else None)
        )
    return Step(
        name,
        title,
        deps=deps,
        compute=compute,
        formula=quantity.formula(holes, template),
        note=quantity.note,
        index_origin=index_origin,
        variants=tuple(variants),
    )
