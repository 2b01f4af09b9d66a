"""Computational graphs (circuits): a scalar expression worked gate by gate, forward and backward."""
