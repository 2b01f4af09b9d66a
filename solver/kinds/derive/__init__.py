"""Derivations: answers that are expressions in declared symbols (derive)."""
