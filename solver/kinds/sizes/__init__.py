"""Sizes and parameter counts: conv-size, pool-size, conv-stack."""
