"""Reading files with bounds: YAML, matrices, problem files, their schema and stated answers."""
