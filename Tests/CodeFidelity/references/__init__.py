"""Reference re-implementations of each model family's code-execution harness."""
