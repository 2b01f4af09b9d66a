"""nnsolve's solver: neural-network exercises worked as graphs of named steps.

The folders show the design: ``graph`` (Step, Solution, formulas, value printing),
``math`` (one registry per concept: activations, losses; expressions, windows, sizes),
``kinds`` (the registry of kinds, one folder per family), ``files`` (bounded reading of
YAML, matrices and problem files), ``render`` (one module per format) and ``cli``.

A problem kind (``solver.kinds``) turns its data into a ``Solution``: an
ordered graph of ``Step``s, each with a name (``z1``, ``dL/dW1``,
``output``), a formula, its dependencies and its value.  Renderers
(``solver.render``) print the graph for a terminal, as Markdown or as JSON;
the grader compares students' values with it and re-evaluates it with their
own values (``Solution.evaluate``) for carried-forward credit.

>>> from solver.kinds.sizes import conv_size
>>> conv_size.solve(conv_size.Given(input="12x12", kernel=3)).answers["output"]
Shape(10×10)
"""

from solver.graph.steps import Noted, Solution, Step

__all__ = ["Noted", "Solution", "Step"]
