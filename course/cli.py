"""The course command line: ``python -m course <command> [chapters…]``."""
from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

from . import lms
from .nbgrader_run import NbgraderError
from .notebooks import NotebookError, find_chapters


def cmd_sync(args) -> int:
    from .notebooks import sync

    for chapter in find_chapters(args.root, args.chapters):
        changed = sync(chapter)
        print(f"{chapter.id}: {'written' if changed else 'already in step'}")
    return 0


def cmd_check(args) -> int:
    from . import check

    failed = 0
    for chapter in find_chapters(args.root, args.chapters):
        found = check.problems(chapter)
        print(f"{chapter.id}: {'ok' if not found else f'{len(found)} problem(s)'}")
        for problem in found:
            print(f"  - {problem}")
        failed += bool(found)
    return 1 if failed else 0


def cmd_build(args) -> int:
    from .build import build

    for chapter in find_chapters(args.root, args.chapters):
        start = time.perf_counter()
        build(chapter)
        print(f"{chapter.id}: release/ and solutions/ written ({time.perf_counter() - start:.1f} s)")
    return 0


def cmd_verify(args) -> int:
    from .verify import verify

    selected = find_chapters(args.root, args.chapters)
    header = f"{'chapter':<30} {'points':>6} {'solution':>8} {'blank':>6} {'grading':>8}  verdict"
    print(header)
    print("-" * len(header))
    failed = 0
    for chapter in selected:
        verdict = verify(chapter)
        problems = verdict.problems
        failed += bool(problems)
        print(f"{chapter.id:<30} {verdict.points:>6g} {verdict.solution.score:>8g} {verdict.blank.score:>6g} "
              f"{verdict.seconds:>7.1f}s  {'ok' if not problems else 'FAILED'}")
        for problem in problems:
            print(f"    - {problem}")
    return 1 if failed else 0


def cmd_export(args) -> int:
    table = lms.read_grades(args.root, args.chapters)
    path = lms.write_table(table, args.format, args.output or args.root / lms.FORMATS[args.format])
    print(f"{len(table.students)} students x {len(table.chapters)} chapters exported for {args.format} "
          f"to {path}")
    for warning in lms.export_warnings(table, args.format):
        print(f"  note: {warning}")
    return 0


def export_arguments(command) -> None:
    command.add_argument("--format", choices=sorted(lms.FORMATS), default="csv",
                         help="the gradebook to import into (default: csv, a plain spreadsheet)")
    command.add_argument("--output", type=Path, help="the file to write (default: "
                         + ", ".join(f"{name} for {fmt}" for fmt, name in lms.FORMATS.items()) + ")")


def cmd_students(args) -> int:
    if args.roster:
        students = lms.import_roster(args.root, args.roster)
        print(f"{len(students)} students added or updated in nbgrader's student table from {args.roster}")
    table = lms.read_grades(args.root)
    print(f"{'id':<16} {'last name':<16} {'first name':<16} {'email':<28} lms id")
    for s in table.students:
        print(f"{s.id:<16} {s.last_name:<16} {s.first_name:<16} {s.email:<28} {s.lms_user_id}")
    return 0


def students_arguments(command) -> None:
    command.add_argument("--import", dest="roster", type=Path, metavar="ROSTER.csv",
                         help="add or update students from a CSV with columns id, first_name, "
                              "last_name, email, lms_user_id (only id is required)")


def grade_arguments(command) -> None:
    command.add_argument("--jobs", type=int, default=None,
                         help="notebooks graded at once on this machine (default: one more than the cores)")
    command.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                         help="grade on the workers of this dask.distributed scheduler instead of this machine")
    command.add_argument("--timeout", type=float, default=120.0,
                         help="wall-clock seconds one notebook may take (default: 120)")
    command.add_argument("--force", action="store_true", help="grade again submissions that did not change")


def release_arguments(command) -> None:
    command.add_argument("--force", action="store_true",
                         help="release chapters 5–7 even before chapter 4's due date has passed")


# Each command: "module:function" and its help. A module is imported when its command runs, so
# that `course grade` starts its first kernel without importing what other commands need.
COMMANDS = {
    "sync": ("course.cli:cmd_sync", "write source/<id>/<id>.ipynb from its text twin <id>.pct.py"),
    "check": ("course.cli:cmd_check",
              "validate the sources: nbgrader metadata, ids, points, delimiters, tests, no outputs"),
    "build": ("course.cli:cmd_build",
              "check, then generate release/<id>/ and the executed solutions/<id>/ with nbgrader"),
    "verify": ("course.cli:cmd_verify",
               "autograde the solution (full marks) and the blank release (zero) of each chapter"),
    "cohort": ("course.pipeline:cmd_cohort", "write a synthetic demo cohort of every chapter into submitted/"),
    "feedback": ("course.pipeline:cmd_feedback",
                 "write each graded notebook's feedback HTML, hidden tests not shown"),
    "report": ("course.pipeline:cmd_report", "write reports/report.html: overview, per chapter the tests' heat "
               "map, why students failed and unfair tests, who needs a human look"),
    "demo": ("course.pipeline:cmd_demo",
             "build, make a cohort, grade, feedback, export, report, and print a summary"),
    "grade": ("course.grade:cmd_grade", "autograde every submission under submitted/ in parallel, "
              "each notebook within a time budget; unchanged ones are skipped"),
    "export": ("course.cli:cmd_export", "write the gradebook as a CSV that Canvas, Moodle or a spreadsheet "
               "imports: one row per student, one column per chapter"),
    "students": ("course.cli:cmd_students", "list nbgrader's student table; --import fills it from a roster CSV"),
    "hub": ("course.hub:cmd_hub", "as root: a local JupyterHub serving the course to real accounts (an "
            "instructor, a second grader, three students); --demo runs a class's loop, --stop, --clean"),
    "release": ("course.release:cmd_release", "release chapters to students (nbgrader release_assignment); "
                "chapters 5–7 only after chapter 4's due date, unless --force"),
}
def hub_arguments(command) -> None:
    base = Path("/srv/dl-ground-up")
    command.add_argument("--base", type=Path, default=base,
                         help=f"where the exchange, the course folder and the hub's files go (default: {base})")
    what = command.add_mutually_exclusive_group()
    what.add_argument("--demo", action="store_true", help="after starting, run a class's loop on chapter 1 "
                      "(release, two students fetch and submit, collect, grade, feedback) and print the scores")
    what.add_argument("--stop", action="store_true", help="stop the hub and its users' servers")
    what.add_argument("--clean", action="store_true", help="stop the hub, delete its accounts and folders")


# Options beyond the chapter ids, per command; "students" and "hub" take no chapter ids.
ARGUMENTS = {"grade": grade_arguments, "export": export_arguments, "students": students_arguments,
             "release": release_arguments, "hub": hub_arguments}
WITHOUT_CHAPTERS = {"students", "hub"}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m course", description=__doc__)
    p.add_argument("--root", type=Path, default=Path.cwd(), help="the course folder (default: here)")
    sub = p.add_subparsers(dest="command", required=True, metavar="command")
    for name, (_, help_text) in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        if name not in WITHOUT_CHAPTERS:
            cmd.add_argument("chapters", nargs="*", help="assignment ids (default: every chapter)")
        ARGUMENTS.get(name, lambda _: None)(cmd)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.root = args.root.resolve()
    try:
        module, function = COMMANDS[args.command][0].split(":")
        return getattr(importlib.import_module(module), function)(args)
    except (NotebookError, NbgraderError, lms.RosterError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
