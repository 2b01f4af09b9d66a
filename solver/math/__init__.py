"""The shared math, one home per concept: activations, losses, expressions, windows and sizes."""
