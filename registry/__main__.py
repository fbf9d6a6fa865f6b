"""``python -m registry [PATH]``: validate the outlet registry and list its outlets."""

from __future__ import annotations

import argparse
import sys

from rich.console import Console
from rich.table import Table

from registry import RegistryError, load_outlets


def main(argv: list[str]) -> int:
    """Check the registry (``PATH``, else ``$KHABAR_REGISTRY`` or the shipped file) and print
    its outlets; a bad registry is one line on stderr and exit 2."""
    parser = argparse.ArgumentParser(
        prog="python -m registry",
        description="Validate the outlet registry and list its outlets.")
    parser.add_argument("path", nargs="?",
                        help="registry file (default: $KHABAR_REGISTRY or registry/outlets.yaml)")
    args = parser.parse_args(argv)
    try:
        outlets = load_outlets(args.path)
    except RegistryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    table = Table(title=f"{len(outlets)} outlets")
    for col in ("id", "name", "languages", "sources", "aggregator"):
        table.add_column(col)
    for o in outlets.values():
        kinds = ", ".join(sorted({s.kind.value for s in o.sources}))
        table.add_row(o.id, o.name, ",".join(o.languages), kinds, "yes" if o.aggregator else "")
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
