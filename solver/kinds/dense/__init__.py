"""Dense networks: neuron, mlp, loss, and their symbolic mode."""
