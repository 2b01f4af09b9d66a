"""Computational graphs (circuits): a scalar expression worked gate by gate, forward and backward.

``gates`` (each operation's forward rule and local gradients), ``circuit`` (an expression read into
gates), ``graph`` (kind ``graph``: the steps).
"""
