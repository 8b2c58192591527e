"""The benchmark of a real sync against the sandbox: ``python -m benchmarks``."""
