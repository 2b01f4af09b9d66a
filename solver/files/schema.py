"""The JSON Schema of problem files, built from the kinds' ``Given`` dataclasses."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from solver.files.problem_file import Envelope
from solver.kinds import KINDS, kind_module


def _hoisted(model: type, prefix: str, defs: dict[str, Any]) -> dict[str, Any]:
    schema = TypeAdapter(model).json_schema(ref_template=f"#/$defs/{prefix}{{model}}")
    for name, definition in schema.pop("$defs", {}).items():
        defs[prefix + name] = definition
    return schema


def problem_schema(only_kind: str | None = None) -> dict[str, Any]:
    defs: dict[str, Any] = {}
    variants = []
    for kind in [only_kind] if only_kind else sorted(KINDS):
        module = kind_module(kind)
        envelope = _hoisted(Envelope, f"{kind}.", defs)
        envelope["title"] = f"{kind} problem"
        envelope["properties"]["kind"] = {"const": kind, "description": "The problem kind."}
        given = _hoisted(module.Given, f"{kind}.", defs)
        given["description"] = (module.__doc__ or "").strip().splitlines()[0]
        envelope["properties"]["given"] = given
        variants.append(envelope)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "nnsolve problem file",
        "oneOf": variants,
        **({"$defs": defs} if defs else {}),
    }
