"""Primitives only, no I/O: the one place that imports cryptographic primitives."""
