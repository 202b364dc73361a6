"""Benchmarks: `python -m bench` (or `make bench`) runs them all against loopback servers.

Each benchmark starts what it measures as subprocesses on free loopback ports,
runs bounded loops, prints its numbers and ends with one summary line.
"""
