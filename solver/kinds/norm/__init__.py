"""Normalization and regularization layers, worked entry by entry: batchnorm, layernorm, dropout."""
