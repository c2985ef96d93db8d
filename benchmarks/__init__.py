"""Benchmarks of cape-tracker, run by `make bench` (`python -m benchmarks [name ...]`).

Each module here is one benchmark with a `main()`; `bench_<name>.py` and `<name>.py` are both
found and named `<name>`. Results, with the machine they were measured on, go into
docs/benchmarks.md. Timings are never asserted in tests.
"""
