"""The README's Quickstart commands, CI and the Debian package list agree, and warnings fail the suite."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "system-packages"


def quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    quickstart = readme[readme.index("## Quickstart") : readme.index("## What a build writes")]
    return re.findall(r"```sh\n(.+)\n```", quickstart)


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    build, test = quickstart_commands()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci[-1] == test
    assert build.startswith("./scripts/system-packages run && ")
    assert test.startswith("./scripts/system-packages run test && ")


def test_without_apt_the_script_names_every_package_and_stops(tmp_path: Path) -> None:
    listed = re.findall(r"^[a-z0-9][a-z0-9.+-]+$", (ROOT / "scripts" / "debian-packages").read_text(), re.M)
    for tool in ("bash", "env", "awk", "grep", "sed", "tr", "dirname", "id", "cat"):
        found = shutil.which(tool)
        assert found is not None, tool
        os.symlink(found, tmp_path / tool)
    done = subprocess.run(
        [str(SCRIPT), "run", "test"], capture_output=True, text=True, env={"PATH": str(tmp_path)}, check=False
    )
    assert done.returncode == 1
    assert "no apt" in done.stderr
    assert done.stderr.split("\n")[1].split() == listed
    assert {"libharfbuzz-subset0", "poppler-utils", "libreoffice-calc"} <= set(listed)


def test_an_unknown_group_is_a_usage_error() -> None:
    done = subprocess.run([str(SCRIPT), "tests"], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "no group [tests]" in done.stderr


def test_our_warnings_fail_the_suite_and_weasyprint_harfbuzz_one_does_not(tmp_path: Path) -> None:
    """pyproject's filter lets exactly WeasyPrint's missing-library warning through, not its category."""
    (tmp_path / "test_warns.py").write_text(
        "import warnings\n"
        "def test_harfbuzz():\n"
        "    warnings.warn('HarfBuzz-Subset will be required by future versions of WeasyPrint. '\n"
        "                  'Please install this library with your package manager.', DeprecationWarning)\n"
        "def test_ours():\n"
        "    warnings.warn('a deprecated riskreport option', DeprecationWarning)\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(ROOT / "pyproject.toml")]
        + ["--rootdir", str(tmp_path), str(tmp_path / "test_warns.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "1 failed, 1 passed" in done.stdout, done.stdout
    assert re.search(r"FAILED \S*::test_ours", done.stdout), done.stdout
