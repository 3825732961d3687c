"""The `riskreport` command line: parses options and calls the pipeline."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reporting import __version__

# pandas, pyarrow, openpyxl, pydantic and the renderers are imported inside the commands that use them, so that
# `riskreport --help` and a mistyped option answer at once.

if TYPE_CHECKING:
    from reporting import pipeline
    from reporting.history.store import History
    from reporting.ingest.register import Register


def _period(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", value):
        raise click.BadParameter("use the form YYYY-MM, e.g. 2025-11")
    return value


def _jobs_default() -> int:
    from reporting.pipeline import default_jobs

    return default_jobs()


def _entity_type(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from reporting.contract import TABLES_BY_ENTITY

    if value not in TABLES_BY_ENTITY:
        raise click.BadParameter(f"{value!r} is not one of {', '.join(TABLES_BY_ENTITY)}.")
    return value


def _liquidations(ctx: click.Context, param: click.Parameter, value: int) -> int:
    from reporting.sample.generate import MIN_LIQUIDATIONS

    if value < MIN_LIQUIDATIONS:
        raise click.BadParameter(f"{value} is below the {MIN_LIQUIDATIONS} that the surge needs.")
    return value


def show_progress(paths: Iterable[Path]) -> Iterator[Path]:
    """A progress bar on stderr while submissions are validated, when a person is watching it."""
    if not sys.stderr.isatty():
        yield from paths
        return
    with click.progressbar(list(paths), label="Validating", file=sys.stderr) as bar:
        yield from bar


def _register(ctx: click.Context, param: click.Parameter, value: Path | None) -> Register | None:
    from reporting.ingest.register import RegisterError, read_register

    if value is None:
        return None
    try:
        return read_register(value)
    except RegisterError as error:
        raise click.BadParameter(str(error)) from None


REGISTER = click.option(
    "--register",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    callback=_register,
    metavar="FILE",
    help="The register of expected filers (a CSV file, or an .xlsx workbook with a sheet 'register'): "
    "adds the findings on unregistered, mismatched and late submissions, and the filing figures.",
)
PERIOD = click.option("--period", callback=_period, metavar="YYYY-MM", help="The month being reported.")
JOBS = click.option(
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    default=_jobs_default,
    show_default="the number of cores",
    help="Validate up to N submissions at once (in worker processes), or one submission in N threads; above 1, "
    "build also renders the PDF beside the workbook.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="riskreport")
def cli() -> None:
    """Validate monthly submissions of crypto venues and lenders and build the systemic-risk report."""


@cli.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@PERIOD
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A thresholds TOML file; its [limits] table sets the limits on submitted files.",
)
@REGISTER
@click.option(
    "--history",
    metavar="PATH|URL",
    help="The history of builds (an SQLite file or a PostgreSQL URL), only read: a restatement may name a "
    "submission accepted in an earlier build of the period (of any period without --period).",
)
@JOBS
def validate(
    path: Path,
    period: str | None,
    output: str,
    config: Path | None,
    register: Register | None,
    history: str | None,
    jobs: int,
) -> None:
    """Validate a submissions folder, or one submission, against the submission format.

    Exits 0 when every submission is accepted and 1 when any is rejected (warnings, such as late
    submissions, do not reject). A register file that cannot be used is a usage error (exit 2).
    """
    from reporting import pipeline
    from reporting.config import ConfigError, load_limits
    from reporting.render.validation import render_validation_text, validation_to_dict

    try:
        limits = load_limits(config)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    known: set[str] = set()
    if history is not None:
        with _history_faults(), open_store(history) as store:
            known = store.known_submissions(period)
    submissions = pipeline.run_validation(
        path, period, limits, progress=show_progress, jobs=jobs, register=register, known_submissions=known
    )
    if output == "json":
        click.echo(json.dumps(validation_to_dict(submissions), indent=2, ensure_ascii=False))
    else:
        click.echo(render_validation_text(submissions))
    sys.exit(1 if any(s.status == "rejected" for s in submissions) else 0)


HISTORY = click.option(
    "--history",
    metavar="PATH|URL",
    help="The history store: an SQLite file, or a PostgreSQL URL (postgresql+psycopg://user@host/db). "
    "Default: history.sqlite in --out.",
)
CONFIG = click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A thresholds TOML file (flag and incident-severity thresholds, the stress-hour multiple, the stress "
    "scenarios, limits on submitted files).",
)
STRICT = click.option("--strict", is_flag=True, help="Fail (exit 1) and write nothing if any submission is rejected.")
FINAL = click.option("--final/--draft", default=False, show_default=True, help="Mark the report FINAL, or DRAFT.")
CLASSIFICATION = click.option(
    "--classification", default="RESTRICTED", show_default=True, help="The label of the running header."
)
AUTHORITY = click.option(
    "--authority", default="Supervisory Authority", show_default=True, help="The issuing authority."
)
OUT = click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder for the outputs."
)


def _build_options(function: Callable[..., None]) -> Callable[..., None]:
    """The options that `build` and `backfill` share."""
    for option in reversed((OUT, HISTORY, CONFIG, STRICT, FINAL, CLASSIFICATION, AUTHORITY, REGISTER, JOBS)):
        function = option(function)
    return function


@cli.command()
@click.argument("submissions", type=click.Path(exists=True, path_type=Path))
@click.option("--period", callback=_period, metavar="YYYY-MM", required=True, help="The month being reported.")
@click.option(
    "--prior",
    type=click.Path(exists=True, path_type=Path),
    help="The prior month's metrics JSON, or its submissions folder, for the changes section "
    "(default: the prior month's latest build in the history).",
)
@_build_options
def build(submissions: Path, period: str, prior: Path | None, **options: Any) -> None:
    """Build the report of PERIOD from the SUBMISSIONS folder into --out, and record it in the history.

    Writes report-<period>.pdf, report-<period>.xlsx, metrics-<period>.json,
    validation-<period>.json and manifest-<period>.json. Rejected submissions stay
    out of the figures and are listed; they do not stop the build unless --strict.
    The build is recorded in the history (--history; by default history.sqlite in
    --out), from which the trends and, without --prior, the changes are taken.
    """
    from reporting import pipeline

    with _build_faults():
        result = pipeline.run_build(submissions, period, prior=prior, progress=show_progress, **_run_options(options))
    _report_build(period, result)


@cli.command()
@click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--from", "first", callback=_period, metavar="YYYY-MM", required=True, help="The first month.")
@click.option("--to", "last", callback=_period, metavar="YYYY-MM", required=True, help="The last month.")
@click.option(
    "--reports",
    type=click.Choice(["all", "last"]),
    default="all",
    show_default=True,
    help="Make the PDF and the workbook of every month, or of the last month only "
    "(the others get their JSON outputs and their place in the history).",
)
@_build_options
def backfill(root: Path, first: str, last: str, reports: str, **options: Any) -> None:
    """Build every month folder ROOT/YYYY-MM from --from to --to, in order, into one history.

    Each month's outputs are written into --out as `build` writes them, and each month's
    prior is taken from the history. Every month folder must exist.
    """

    def months(periods: list[str]) -> Iterator[str]:
        if not sys.stderr.isatty():
            yield from periods
            return
        with click.progressbar(periods, label="Building", file=sys.stderr, item_show_func=str) as bar:
            yield from bar

    from reporting import pipeline

    with _build_faults():
        for period, result in pipeline.run_backfill(
            root, first, last, months=months, documents=reports, **_run_options(options)
        ):
            _report_build(period, result)


def _run_options(options: dict[str, Any]) -> dict[str, Any]:
    """The shared build options, as `pipeline.run_build` takes them."""
    from reporting.render.model import ReportOptions

    presentation = ReportOptions(
        final=options.pop("final"),
        classification=options.pop("classification"),
        authority=options.pop("authority"),
    )
    return {**options, "presentation": presentation}


@contextmanager
def _build_faults() -> Iterator[None]:
    from reporting import pipeline
    from reporting.config import ConfigError
    from reporting.history import HistoryError

    try:
        yield
    except (pipeline.BuildError, ConfigError, HistoryError) as error:
        raise click.ClickException(str(error)) from None


def _report_build(period: str, result: pipeline.BuildResult) -> None:
    counts = {
        status: sum(s.status == status for s in result.submissions) for status in ("accepted", "rejected", "restated")
    }
    click.echo(
        f"{period}: {len(result.submissions)} submission(s): {counts['accepted']} accepted, "
        f"{counts['rejected']} rejected, {counts['restated']} restated."
    )
    for s in result.rejected:
        click.echo(f"  rejected: {s.source} ({s.errors} error(s); see validation-{period}.json)")
    if result.report is None:
        click.echo("--strict: the build failed because submissions were rejected; nothing was written.", err=True)
        sys.exit(1)
    for path in result.written:
        click.echo(f"wrote {path}")
    state = "recorded" if result.recorded else "already recorded (same inputs and options)"
    click.echo(f"{state} in the history as {period} revision {result.revision}")


@cli.group()
def history() -> None:
    """Read the history of builds: periods and revisions, one figure's series, figures for analysts."""


HISTORY_ARGUMENT = click.argument("store", metavar="HISTORY")


@history.command("list")
@HISTORY_ARGUMENT
def history_list(store: str) -> None:
    """List every period and revision of the HISTORY file (or PostgreSQL URL)."""
    with _history_faults(), open_store(store) as opened:
        builds = opened.list_builds()
    if builds.empty:
        click.echo("The history holds no build.")
        return
    click.echo(f"{'period':8} {'revision':>8}  {'run at':20}  {'tool':8}  accepted rejected restated  inputs")
    for row in builds.itertuples():
        click.echo(
            f"{row.period:8} {row.revision:>8}  {row.run_at:20}  {row.tool_version:8}  "
            f"{row.accepted:>8} {row.rejected:>8} {row.restated:>8}  {row.fingerprint[:12]}"
        )


@history.command("series")
@HISTORY_ARGUMENT
@click.argument("figure", metavar="PATH")
@click.option("--all-revisions", is_flag=True, help="Every revision of each period, not only the latest.")
def history_series(store: str, figure: str, all_revisions: bool) -> None:
    """Show one figure (a dotted PATH of the metrics JSON, e.g. lending.total_industry_debt_usd) period by period."""
    import pandas as pd

    with _history_faults(), open_store(store) as opened:
        rows = opened.read_figures(figure, latest=not all_revisions)
    if rows.empty:
        raise click.ClickException(f"no figure {figure!r} in the history; see `riskreport history export` for paths")
    for row in rows.itertuples():
        value = row.text if pd.isna(row.value) else f"{row.value:,.15g}"
        click.echo(f"{row.period}  revision {row.revision}  {'' if value is None else value}")


@history.command("export")
@HISTORY_ARGUMENT
# The formats of reporting.history.export.EXPORT_FORMATS, named here so that --help imports no history module.
@click.option(
    "--format", "file_format", type=click.Choice(("csv", "parquet", "json")), default="csv", show_default=True
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The file to write.")
@click.option("--latest", is_flag=True, help="Only the latest revision of each period.")
def history_export(store: str, file_format: str, out: Path, latest: bool) -> None:
    """Export every figure of the HISTORY as rows (period, revision, path, value, text)."""
    with _history_faults(), open_store(store) as opened:
        figures = opened.read_figures(latest=latest)
    from reporting.history.export import export_figures

    click.echo(export_figures(figures, out, file_format))


def open_store(store: str) -> History:
    """The history at a path or URL, to read (SQLAlchemy and Alembic are imported here: ~0.35 s)."""
    from reporting.history.store import open_history

    return open_history(store, create=False)


@contextmanager
def _history_faults() -> Iterator[None]:
    from reporting.history import HistoryError

    try:
        yield
    except HistoryError as error:
        raise click.ClickException(str(error)) from None


@cli.command()
@click.argument("submissions", type=click.Path(exists=True, path_type=Path))
@click.option("--period", callback=_period, metavar="YYYY-MM", required=True, help="The month being reported.")
@click.option("--entity", "entities", multiple=True, metavar="ID", help="The entity_id of a firm; may be repeated.")
@click.option("--all", "every", is_flag=True, help="One letter per firm: every firm expected or that submitted.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder for the letters.")
@REGISTER
@click.option(
    "--history",
    metavar="PATH|URL",
    help="The history of builds (an SQLite file or a PostgreSQL URL), only read: the 12-month record counts the "
    "earlier periods built there. Without it, the record holds this period only.",
)
@click.option("--authority", default="Supervisory Authority", show_default=True, help="The issuing authority.")
@click.option("--classification", default="RESTRICTED", show_default=True, help="The letters' marking.")
@JOBS
def letter(
    submissions: Path,
    period: str,
    entities: tuple[str, ...],
    every: bool,
    out: Path,
    register: Register | None,
    history: str | None,
    authority: str,
    classification: str,
    jobs: int,
) -> None:
    """Write a feedback letter (PDF) per firm for PERIOD from the SUBMISSIONS folder into --out.

    A letter gives the firm's filing status, this month's findings grouped by code with how to fix
    each, and its record over the last 12 months; it holds that firm's data only. Name firms with
    --entity ID, or write one letter per firm with --all. Files: letter-<period>-<entity_id>.pdf.
    """
    from reporting import pipeline
    from reporting.render.model import ReportOptions

    if every == bool(entities):
        raise click.UsageError("Give --entity ID (one or more) or --all.")
    presentation = ReportOptions(classification=classification, authority=authority)
    try:
        with _history_faults():
            written = pipeline.run_letters(
                submissions,
                period,
                out,
                entities=None if every else list(entities),
                register=register,
                presentation=presentation,
                jobs=jobs,
                history=history,
            )
    except pipeline.BuildError as error:
        raise click.ClickException(str(error)) from None
    for path in written:
        click.echo(f"wrote {path}")


@cli.command()
@click.option("--defaults", is_flag=True, required=True, help="Print the default thresholds file.")
def config(defaults: bool) -> None:
    """Print the thresholds configuration file with the defaults of the metrics specification."""
    from reporting.config import default_thresholds_toml

    click.echo(default_thresholds_toml(), nl=False)


@cli.command()
def codes() -> None:
    """Print the catalogue of finding codes, with their severity and how to fix each."""
    from reporting.render.validation import render_catalogue_markdown

    click.echo(render_catalogue_markdown(), nl=False)


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("schemas"), show_default=True)
def schema(out: Path) -> None:
    """Write the JSON Schema of the header and of every table."""
    from reporting import pipeline

    for path in pipeline.write_schemas(out):
        click.echo(path)


@cli.command()
@click.argument("entity_type", metavar="ENTITY_TYPE", callback=_entity_type)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The .xlsx to write.")
def template(entity_type: str, out: Path) -> None:
    """Write the blank submission workbook that an entity of ENTITY_TYPE fills in.

    ENTITY_TYPE is one of: cex, dex, cefi_lender, defi_protocol, cdp_issuer, dat.
    """
    from reporting.template import write_template

    click.echo(write_template(entity_type, out))


@cli.command()
@click.option("--period", callback=_period, metavar="YYYY-MM", required=True, help="The month to generate.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="The folder to write.")
@click.option("--seed", type=int, default=7, show_default=True, help="The same seed gives the same files.")
@click.option(
    "--liquidations",
    type=int,
    default=20_000,
    show_default=True,
    callback=_liquidations,
    help="Liquidation events across all venues (at least 200).",
)
@click.option(
    "--register",
    "register_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the register of expected filers of the sample entities to this CSV file.",
)
def sample(period: str, out: Path, seed: int, liquidations: int, register_out: Path | None) -> None:
    """Generate a deterministic, realistic submissions folder for a period."""
    from reporting.sample.generate import write_sample
    from reporting.sample.register import write_register

    for path in write_sample(period, out, seed=seed, liquidations=liquidations):
        click.echo(path)
    if register_out is not None:
        click.echo(write_register(register_out))


@cli.command()
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The submissions root: one YYYY-MM folder per month, as build and backfill read it.",
)
@click.option(
    "--register",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    callback=_register,
    required=True,
    metavar="FILE",
    help="The register of expected filers (a CSV file, or an .xlsx workbook with a sheet 'register').",
)
@click.option(
    "--users", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The users file (users add)."
)
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A thresholds TOML file; its [limits] table sets the limits on uploaded files.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="The port to listen on.")
@click.option("--https-only", is_flag=True, help="Mark the session cookie Secure (behind an HTTPS proxy).")
def serve(
    root: Path, register: Register, users: Path, config: Path | None, host: str, port: int, https_only: bool
) -> None:
    """Run the submission portal: firms upload and fix their submissions, supervisors watch and build the month."""
    import uvicorn

    from reporting.config import ConfigError, load_limits
    from reporting.portal.app import create_app
    from reporting.portal.users import UsersError, load_users

    try:
        limits = load_limits(config)
        load_users(users)
    except (ConfigError, UsersError) as error:
        raise click.ClickException(str(error)) from None
    root.mkdir(parents=True, exist_ok=True)
    app = create_app(root, register, users, limits, https_only=https_only)
    click.echo(f"riskreport portal on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


@cli.group()
def users() -> None:
    """Manage the portal's users and their API tokens."""


@users.command("add")
@click.option(
    "--users", "users_file", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The users file."
)
@click.option("--name", required=True, help="Who the user is, as shown on the pages.")
@click.option("--role", type=click.Choice(["firm", "supervisor"]), required=True, help="A firm's user or a supervisor.")
@click.option("--entity", "entity", metavar="ENTITY_ID", help="For a firm: the entity_id it submits for.")
def users_add(users_file: Path, name: str, role: str, entity: str | None) -> None:
    """Add a user and print its new API token, once, alone on standard output.

    The users file keeps only a salted scrypt hash of the token. The same token signs in to the pages.
    """
    from reporting.portal.users import UsersError, add_user

    try:
        token = add_user(users_file, name, role, entity)  # type: ignore[arg-type]
    except UsersError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Added {role} user {name!r} to {users_file}; its token (shown only now) follows.", err=True)
    click.echo(token)


def main() -> None:
    """Entry point: environment faults become one clear line and exit code 1."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except (OSError, MemoryError) as error:
        click.echo(f"riskreport: {error}", err=True)
        sys.exit(1)
