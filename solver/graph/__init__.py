"""The step graph: Step, Solution, Variant, formulas, value printing, names and errors."""
