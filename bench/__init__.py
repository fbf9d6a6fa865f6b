"""Benchmarks: every number is printed beside a baseline measured in the same run.

``python -m bench`` (``make bench``) runs each module in its own process and writes
BENCHMARKS.md with the machine they ran on; ``python -m bench.<module>`` runs one alone.
Each module accepts ``--markdown PATH`` (write its report section, and its targets as data
beside it: ``bench.report``) and ``--quick`` (small sizes).
"""
