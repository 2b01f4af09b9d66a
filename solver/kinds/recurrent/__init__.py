"""Recurrent networks: rnn, forward and backpropagation through time."""
