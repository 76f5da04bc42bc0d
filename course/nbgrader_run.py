"""Running nbgrader's own commands in a course folder, as an instructor would."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


class NbgraderError(Exception):
    """An nbgrader command failed; the message holds the end of its log."""


def environment() -> dict[str, str]:
    """The environment for nbgrader: this interpreter's scripts first on PATH.

    nbgrader starts ``alembic`` (and the kernels start ``python``) by name, so the
    virtualenv's bin folder must come first even when it was never activated.
    """
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.pop("NBGRADER_EXECUTION", None)
    return env


def run_nbgrader(root: Path, *args: str, timeout: float | None = None, strict: bool = True) -> str:
    """Run ``nbgrader <args>`` in the course folder ``root``; its log, or ``NbgraderError``.

    With ``strict``, an ERROR line in the log or a non-zero exit raises (nbgrader logs some
    failures and still exits 0). Autograding a cohort passes ``strict=False``: one broken
    submission makes nbgrader log an error and exit 1 while the others are graded, and the
    caller reads each student's outcome from the gradebook instead.
    """
    command = [sys.executable, "-m", "nbgrader", *args]
    try:
        done = subprocess.run(command, cwd=root, env=environment(), capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise NbgraderError(f"`nbgrader {' '.join(args)}` took longer than {timeout} s") from error
    log = done.stdout + done.stderr
    # nbgrader reports some failures in its log while still exiting 0.
    if strict and (done.returncode != 0 or "| ERROR]" in log):
        tail = "\n".join(log.strip().splitlines()[-25:])
        raise NbgraderError(f"`nbgrader {' '.join(args)}` failed:\n{tail}")
    return log
