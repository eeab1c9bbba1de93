"""Benchmark drivers and the API load generator behind ``fincast benchmark <name>``.

Nothing the API or the other commands need at run time imports this package; only
``fincast.cli.benchmark`` does, inside each command (checked by import-linter).
"""
