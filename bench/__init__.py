"""Benchmarks: scripts that print figures next to a same-run baseline (not tests).

Run them with `make bench`. Each script works in its own throwaway database
(see `bench.common.throwaway_database`) and never touches the development data.
"""
