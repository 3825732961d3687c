"""The `riskreport` command line: parses options and calls the pipeline."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import click

from reporting import __version__, pipeline
from reporting.config import ConfigError, default_thresholds_toml, load_limits
from reporting.contract import TABLES_BY_ENTITY
from reporting.render.model import ReportOptions
from reporting.render.validation import render_catalogue_markdown, render_validation_text, validation_to_dict
from reporting.sample.generate import MIN_LIQUIDATIONS


def _period(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", value):
        raise click.BadParameter("use the form YYYY-MM, e.g. 2025-11")
    return value


def show_progress(paths: Iterable[Path]) -> Iterator[Path]:
    """A progress bar on stderr while submissions are validated, when a person is watching it."""
    if not sys.stderr.isatty():
        yield from paths
        return
    with click.progressbar(list(paths), label="Validating", file=sys.stderr) as bar:
        yield from bar


PERIOD = click.option("--period", callback=_period, metavar="YYYY-MM", help="The month being reported.")
JOBS = click.option(
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    default=pipeline.default_jobs,
    show_default="the number of cores",
    help="Validate up to N submissions at once (validate: in worker processes; build: in threads), or one "
    "submission in N threads; above 1, build also renders the PDF beside the workbook.",
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
@JOBS
def validate(path: Path, period: str | None, output: str, config: Path | None, jobs: int) -> None:
    """Validate a submissions folder, or one submission, against the submission format.

    Exits 0 when every submission is accepted and 1 when any is rejected.
    """
    try:
        limits = load_limits(config)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    submissions = pipeline.run_validation(path, period, limits, progress=show_progress, jobs=jobs)
    if output == "json":
        click.echo(json.dumps(validation_to_dict(submissions), indent=2, ensure_ascii=False))
    else:
        click.echo(render_validation_text(submissions))
    sys.exit(1 if any(s.status == "rejected" for s in submissions) else 0)


@cli.command()
@click.argument("submissions", type=click.Path(exists=True, path_type=Path))
@click.option("--period", callback=_period, metavar="YYYY-MM", required=True, help="The month being reported.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder for the outputs.")
@click.option(
    "--prior",
    type=click.Path(exists=True, path_type=Path),
    help="The prior month's metrics JSON, or its submissions folder, for the changes section.",
)
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A thresholds TOML file (flag and incident-severity thresholds, limits on submitted files).",
)
@click.option("--strict", is_flag=True, help="Fail (exit 1) and write nothing if any submission is rejected.")
@click.option("--final/--draft", default=False, show_default=True, help="Mark the report FINAL, or DRAFT.")
@click.option("--classification", default="RESTRICTED", show_default=True, help="The label of the running header.")
@click.option("--authority", default="Supervisory Authority", show_default=True, help="The issuing authority.")
@JOBS
def build(
    submissions: Path,
    period: str,
    out: Path,
    prior: Path | None,
    config: Path | None,
    strict: bool,
    final: bool,
    classification: str,
    authority: str,
    jobs: int,
) -> None:
    """Build the report of PERIOD from the SUBMISSIONS folder into --out.

    Writes report-<period>.pdf, report-<period>.xlsx, metrics-<period>.json,
    validation-<period>.json and manifest-<period>.json. Rejected submissions stay
    out of the figures and are listed; they do not stop the build unless --strict.
    """
    presentation = ReportOptions(final=final, classification=classification, authority=authority)
    try:
        result = pipeline.run_build(
            submissions,
            period,
            out,
            prior=prior,
            config=config,
            strict=strict,
            presentation=presentation,
            progress=show_progress,
            jobs=jobs,
        )
    except (pipeline.BuildError, ConfigError) as error:
        raise click.ClickException(str(error)) from None
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


@cli.command()
@click.option("--defaults", is_flag=True, required=True, help="Print the default thresholds file.")
def config(defaults: bool) -> None:
    """Print the thresholds configuration file with the defaults of the metrics specification."""
    click.echo(default_thresholds_toml(), nl=False)


@cli.command()
def codes() -> None:
    """Print the catalogue of finding codes, with their severity and how to fix each."""
    click.echo(render_catalogue_markdown(), nl=False)


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("schemas"), show_default=True)
def schema(out: Path) -> None:
    """Write the JSON Schema of the header and of every table."""
    for path in pipeline.write_schemas(out):
        click.echo(path)


@cli.command()
@click.argument("entity_type", type=click.Choice(sorted(TABLES_BY_ENTITY)))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The .xlsx to write.")
def template(entity_type: str, out: Path) -> None:
    """Write the blank submission workbook that an entity of ENTITY_TYPE fills in."""
    from reporting.template import write_template

    click.echo(write_template(entity_type, out))


@cli.command()
@click.option("--period", callback=_period, metavar="YYYY-MM", required=True, help="The month to generate.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="The folder to write.")
@click.option("--seed", type=int, default=7, show_default=True, help="The same seed gives the same files.")
@click.option(
    "--liquidations",
    type=click.IntRange(min=MIN_LIQUIDATIONS),
    default=20_000,
    show_default=True,
    help="Liquidation events across all venues.",
)
def sample(period: str, out: Path, seed: int, liquidations: int) -> None:
    """Generate a deterministic, realistic submissions folder for a period."""
    from reporting.sample.generate import write_sample

    for path in write_sample(period, out, seed=seed, liquidations=liquidations):
        click.echo(path)


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
    required=True,
    help="The register of expected filers (CSV, or an .xlsx with a sheet 'register').",
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
def serve(root: Path, register: Path, users: Path, config: Path | None, host: str, port: int, https_only: bool) -> None:
    """Run the submission portal: firms upload and fix their submissions, supervisors watch and build the month."""
    import uvicorn

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
