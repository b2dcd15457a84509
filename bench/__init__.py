"""Benchmarks: one script per target, each generating its own data (see docs/benchmarks.md)."""
