"""Import the modules named on the command line and nothing else: ``bench.prefect_overhead``
times ``python -m bench.importtime NAME…`` in a fresh interpreter, and the same with no name is
its baseline (so the interpreter's and this module's own start-up cancel out).

    python -m bench.importtime prefect flows.nightly
"""

from __future__ import annotations

import importlib
import sys


def main(names: list[str]) -> int:
    for name in names:
        importlib.import_module(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
