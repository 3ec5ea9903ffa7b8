"""Benchmark harness: `bench/run.sh` (or `make bench`). Not imported by the app."""
