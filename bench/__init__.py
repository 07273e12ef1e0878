"""The peer benchmark: the reference scorecard (SCORECARD.md) on riskdesk and on peer engines.

Run `make bench` (or `.venv-bench/bin/python -m bench --help`); see docs/performance.md. Not part
of the installed package: the peer engines are never project dependencies.
"""
