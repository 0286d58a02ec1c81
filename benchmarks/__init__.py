"""mcpclient benchmarks: `python -m benchmarks [--quick]` from the repository root.

See benchmarks/README.md and docs/performance.md.
"""
