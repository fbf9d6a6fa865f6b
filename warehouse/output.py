"""How the command line prints rows: an aligned table for people, CSV or JSON lines for tools.

The table cuts a cell at ``CELL_WIDTH`` characters and marks the cut with ``…`` (a URL cut
without a mark looked whole and was not); under the table it says how many cells were cut and
how to see them whole: ``--wide`` (no cut), or ``--format csv`` / ``--format json`` (every value
as stored, for a file or another program).
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from typing import TextIO

CELL_WIDTH = 80
FORMATS = ("table", "csv", "json")
MARK = "…"


def print_rows(
    names: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    fmt: str = "table",
    wide: bool = False,
    out: TextIO | None = None,
) -> None:
    """Print ``rows`` under ``names`` as ``fmt`` (``table``, ``csv`` or ``json``)."""
    out = out or sys.stdout
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(names)
        writer.writerows([["" if v is None else _text(v) for v in row] for row in rows])
        return
    if fmt == "json":
        for row in rows:
            out.write(json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False,
                                 default=str) + "\n")
        return
    cut = 0
    cells = []
    for row in rows:
        line = []
        for value in row:
            text = ("" if value is None else _text(value)).replace("\n", " ")
            if not wide and len(text) > CELL_WIDTH:
                text = text[: CELL_WIDTH - 1] + MARK
                cut += 1
            line.append(text)
        cells.append(line)
    widths = [max([len(n), *(len(r[i]) for r in cells)]) for i, n in enumerate(names)]
    print("  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for line in cells:
        print("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)), file=out)
    note = f"({len(rows)} row{'s' if len(rows) != 1 else ''}"
    if cut:
        note += (f"; {cut} cell{'s' if cut != 1 else ''} cut at {CELL_WIDTH} characters, marked "
                 f"{MARK}: --wide shows them whole, --format csv or json gives every value")
    print(note + ")", file=out)


def _text(value: object) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)
