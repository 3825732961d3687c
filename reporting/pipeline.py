"""The pipeline: wires the stages in the order data flows. The CLI only parses options and calls it."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path

from reporting.contract import json_schemas
from reporting.ingest.model import Limits
from reporting.validate.folder import validate_folder
from reporting.validate.model import ValidatedSubmission


def _progress(paths: Iterable[Path]) -> Iterable[Path]:
    """Show progress on stderr when a person is watching it."""
    if not sys.stderr.isatty():
        yield from paths
        return
    import click

    items = list(paths)
    with click.progressbar(items, label="Validating", file=sys.stderr) as bar:
        yield from bar


def run_validation(path: Path, period: str | None, limits: Limits | None = None) -> list[ValidatedSubmission]:
    """Read and validate a submissions folder (or one submission)."""
    return validate_folder(path, period, limits, progress=_progress)


def write_schemas(out: Path) -> list[Path]:
    """Write the JSON Schema of the header and of every table to `out`."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in json_schemas().items():
        target = out / name
        target.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(target)
    return written
