"""Running nbgrader's own commands in a course folder, as an instructor would."""
from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
from pathlib import Path


class NbgraderError(Exception):
    """An nbgrader command failed; the message holds the end of its log."""


# `python -m nbgrader`, after `import course.gradebook`: course/__init__.py spares the process a
# second of importing a jsonschema plugin nothing uses, course/gradebook.py the seconds of the
# `alembic` program that nbgrader runs for each new gradebook, and course/cell_metadata.py a
# check of nbgrader's schema per cell.
NBGRADER_MAIN = "import course.gradebook, course.cell_metadata; from nbgrader.apps.nbgraderapp import main; main()"


def environment() -> dict[str, str]:
    """The environment for nbgrader: this interpreter's scripts first on PATH.

    nbgrader starts ``alembic`` to upgrade an old gradebook, and the kernels start ``python``,
    by name, so the virtualenv's bin folder must come first even when it was never activated.
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
    command = [sys.executable, "-c", NBGRADER_MAIN, *args]
    try:
        done = subprocess.run(command, cwd=root, env=environment(), capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise NbgraderError(f"`nbgrader {' '.join(args)}` took longer than {timeout} s") from error
    log = done.stdout + done.stderr
    # nbgrader reports some failures in its log while still exiting 0.
    if strict and (done.returncode != 0 or "| ERROR]" in log):
        raise NbgraderError(f"`nbgrader {' '.join(args)}` failed:\n{_tail(log)}")
    return log


def generate_assignment(root: Path, assignment: str) -> None:
    """``nbgrader generate_assignment <assignment> --force`` in the course folder ``root``
    (``assignment`` may be a glob: every chapter of ``source/`` in one go), through nbgrader's
    converter in this process, as its Python API runs it: no second process to start and import
    nbgrader (about 2 s of CPU). Its log and warnings are kept out of the terminal, as the
    command's were. Raises ``NbgraderError`` with the end of nbgrader's log when it fails or logs
    an error (KeyboardInterrupt passes through)."""
    import io
    import logging
    import warnings

    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import PyFileConfigLoader

    from . import gradebook  # noqa: F401  (a new gradebook is stamped without the alembic program)

    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
    log = logging.getLogger("course.generate_assignment")
    log.propagate = False
    log.setLevel(logging.INFO)  # setLevel, not .level: it clears the loggers' cached levels
    log.addHandler(handler)
    failure = None
    try:
        with warnings.catch_warnings(record=True) as warned:
            config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
            course = CourseDirectory(config=config, root=str(root), assignment_id=assignment, log=log)
            GenerateAssignment(coursedir=course, config=config, log=log, force=True, create_assignment=True).start()
    except Exception as error:  # nbgrader's failure, or the course's configuration's
        failure = error
    finally:
        log.removeHandler(handler)
    text = buffer.getvalue() + "".join(f"[WARNING] {w.message}\n" for w in warned)
    if failure is not None or "[ERROR]" in text:
        reason = text + (f"{type(failure).__name__}: {failure}" if failure else "")
        raise NbgraderError(f"`nbgrader generate_assignment {assignment}` failed:\n{_tail(reason)}") from failure


def _tail(log: str) -> str:
    """The last 25 lines of a log: where nbgrader says what went wrong."""
    return "\n".join(log.strip().splitlines()[-25:])


@functools.cache
def _empty_gradebook() -> bytes:
    """An empty gradebook of the course as nbgrader's ``Gradebook`` creates it: its tables, the
    course's row and the ``alembic_version`` stamp (``course.gradebook``). Made once per process."""
    from .gradebook import Gradebook
    from .grading import COURSE_ID

    with tempfile.TemporaryDirectory(prefix="gradebook-") as folder:
        database = Path(folder) / "gradebook.db"
        Gradebook(f"sqlite:///{database}", COURSE_ID).close()
        return database.read_bytes()


def seed_gradebook(database: Path) -> None:
    """Create the course's gradebook at ``database``, empty, unless one is there (as nbgrader
    would on its first command, without creating its tables again). Written whole or not at all:
    a half-written file would pass for a gradebook."""
    if not database.exists():
        partial = database.with_name(database.name + ".part")
        partial.write_bytes(_empty_gradebook())
        os.replace(partial, database)
