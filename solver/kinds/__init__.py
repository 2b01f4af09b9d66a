"""Problem kinds: the registry, and one folder per family (a family's whole story in one place).

``sizes/`` (conv-size, pool-size, conv-stack), ``maps/`` (conv, pool, cell by cell),
``dense/`` (neuron, mlp, loss, symbolic mode), ``recurrent/`` (rnn, lstm, gru), ``derive/`` (derive:
expressions in declared symbols).  A kind module defines

* ``KIND``: its name in problem files (``kind: conv-size``);
* ``Given``: a dataclass of its data, validated by the file loader (the
  attribute docstrings become the JSON Schema's descriptions);
* ``solve(given, title=None) -> Solution``.

Modules are imported only when their kind is used, so that a command pays
only for what it needs.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from solver.graph.errors import InputError

#: pydantic settings for every ``Given`` dataclass: unknown fields are errors,
#: attribute docstrings describe the fields in the JSON Schema, infinities and NaN are not numbers.
GIVEN_CONFIG = {"extra": "forbid", "use_attribute_docstrings": True, "allow_inf_nan": False}

#: kind name -> module under ``solver.kinds``
KINDS: dict[str, str] = {
    "conv-size": "sizes.conv_size",
    "pool-size": "sizes.pool_size",
    "conv-stack": "sizes.conv_stack",
    "conv": "maps.conv",
    "pool": "maps.pool",
    "neuron": "dense.neuron",
    "mlp": "dense.mlp",
    "loss": "dense.loss",
    "rnn": "recurrent.rnn",
    "lstm": "recurrent.lstm",
    "gru": "recurrent.gru",
    "derive": "derive.derivation",
}


def kind_module(kind: str) -> ModuleType:
    if kind not in KINDS:
        known = ", ".join(sorted(KINDS))
        raise InputError(f"unknown kind {kind!r}; expected one of: {known}", field="kind")
    return importlib.import_module(f"solver.kinds.{KINDS[kind]}")
