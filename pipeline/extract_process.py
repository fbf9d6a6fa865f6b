"""The extraction stage as a process of its own: ``python -m pipeline.extract_process RUN_DIR``.

The night's ``extract`` stage (``pipeline.stages.extract``) runs this rather than calling
``pipeline.extraction`` itself, so that the night's process, which lives all night, never holds
trafilatura, its language model (~110 MB) or the Arrow buffers of the pool's output, and the
pool's forkserver ends with the stage (bench.night measures the night's memory). It is a module
apart from ``pipeline.extraction`` because the pool's workers unpickle that module's functions
by name: run as ``__main__``, they would not find them.

Prints the ``ExtractionSummary`` as one JSON line; exit 1 with a one-line error on bad input, a
dead pool worker or a full disk (the flow's task ends with that line).
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict
from pathlib import Path

from pydantic import ValidationError

from khabar.disk import is_no_space
from khabar.run.layout import EXTRACT_COMMAND
from pipeline.extraction import extract_run
from transforms.record import ExtractionHints


def read_hints(path: Path) -> dict[str, ExtractionHints]:
    """``{outlet id: hints}`` from a JSON object of the hints' fields per outlet."""
    return {outlet: ExtractionHints.model_validate(fields)
            for outlet, fields in json.loads(path.read_text()).items()}


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog=EXTRACT_COMMAND,
                                     description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="the run folder the crawls wrote")
    parser.add_argument("--hints", type=Path, help="JSON: outlet id -> extraction hints")
    parser.add_argument("--workers", type=int, help="processes (default: one per core; 0: none)")
    args = parser.parse_args(argv)
    try:
        hints = read_hints(args.hints) if args.hints else {}
    except (OSError, ValueError, ValidationError) as exc:
        print(f"error: bad hints file {args.hints}: {exc}", file=sys.stderr)
        return 1
    if not args.run_dir.is_dir():
        print(f"error: {args.run_dir} is not a run folder", file=sys.stderr)
        return 1
    try:
        summary = extract_run(args.run_dir, hints, workers=args.workers)
    except BrokenProcessPool:
        print("error: an extraction worker process died (killed by a signal: the kernel's "
              "out-of-memory killer, or a person); nothing was written", file=sys.stderr)
        return 1
    except OSError as exc:
        if not is_no_space(exc):
            raise
        print(f"error: no space left on device writing under {args.run_dir}: nothing was "
              "written", file=sys.stderr)
        return 1
    for line in summary.damaged_files:
        print(f"warning: {line}", file=sys.stderr)
    print(json.dumps(asdict(summary)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
