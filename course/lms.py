"""Grades for a learning management system, and the roster that names the students.

``export_grades(root, "canvas" | "moodle" | "csv")`` writes one row per student and one column
per chapter, read from nbgrader's gradebook through its ``Gradebook`` API: a chapter's score is
nbgrader's (autograded points, plus the written answers once graded by hand in the formgrader),
empty when the student submitted nothing. Names and e-mails come from nbgrader's student
table, which ``import_roster`` fills from a roster CSV.

The files follow what each gradebook documents for its CSV import:

- **Canvas** (Grades → Import): a header row ``Student, ID, SIS User ID, SIS Login ID,
  Section`` then one column per assignment, and a ``Points Possible`` row under the header.
  Canvas finds each student by ``ID`` (its own user id: the roster's ``lms_user_id``), else
  by ``SIS User ID`` or ``SIS Login ID`` (here the nbgrader id, the login the students use),
  else by name (``Last, First``). An assignment column whose title matches no assignment
  creates one with that title and the points possible.
- **Moodle** (Grades → Import → CSV file): a header row and one row per student; on the
  import page, *Map from* ``Email address`` *to* "email address" (or ``ID number`` to "ID
  number"), then map each chapter's column to a grade item or a new one. An empty cell
  leaves the grade as it is.
- **csv**: the same table for a spreadsheet: ``student_id, first_name, last_name, email``
  and one column per chapter.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from .gradebook import Gradebook

from .grading import COURSE_ID
from .nbgrader_run import run_nbgrader

FORMATS = {"canvas": "grades-canvas.csv", "moodle": "grades-moodle.csv", "csv": "grades.csv"}
ROSTER_FIELDS = ("first_name", "last_name", "email", "lms_user_id")  # nbgrader's Student columns


class RosterError(ValueError):
    """A roster CSV that cannot be imported; the message says which row and why."""


@dataclass
class Student:
    """A row of nbgrader's student table."""

    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""

    @property
    def sortable_name(self) -> str:
        """``"Last, First"`` as Canvas lists students; the id when the table has no name."""
        names = [n for n in (self.last_name, self.first_name) if n]
        return ", ".join(names) or self.id


@dataclass
class GradeTable:
    """Students × chapters: ``scores[student][chapter]`` (absent: nothing submitted),
    ``points[chapter]`` the points possible, ``manual[chapter]`` how many of its submissions
    still wait for written answers to be graded by hand."""

    students: list[Student] = field(default_factory=list)
    chapters: list[str] = field(default_factory=list)
    points: dict[str, float] = field(default_factory=dict)
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    manual: dict[str, int] = field(default_factory=dict)

    def cell(self, student: str, chapter: str) -> str:
        score = self.scores.get(student, {}).get(chapter)
        return "" if score is None else _number(score)


def read_grades(root: Path, chapters: list[str] | None = None) -> GradeTable:
    """Every student of the gradebook in ``root`` (with or without submissions) and the score
    of each submission, for the ``chapters`` named (default: every assignment graded).

    Raises ``FileNotFoundError`` when ``root`` has no ``gradebook.db``."""
    if not (root / "gradebook.db").exists():
        raise FileNotFoundError(f"no gradebook.db in {root}: grade the submissions first")
    table = GradeTable()
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", COURSE_ID) as gb:
        table.students = sorted((Student(s.id, *(getattr(s, f) or "" for f in ROSTER_FIELDS)) for s in gb.students),
                                key=lambda s: s.id)
        for assignment in sorted(gb.assignments, key=lambda a: a.name):
            if chapters and assignment.name not in chapters or not assignment.submissions:
                continue
            table.chapters.append(assignment.name)
            table.points[assignment.name] = float(assignment.max_score)
            table.manual[assignment.name] = 0
            for submission in assignment.submissions:
                table.scores.setdefault(submission.student.id, {})[assignment.name] = float(submission.score)
                table.manual[assignment.name] += bool(submission.needs_manual_grade)
    return table


def canvas_rows(table: GradeTable) -> list[list[str]]:
    """The Canvas gradebook CSV: header, ``Points Possible`` row, one row per student."""
    rows = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *table.chapters],
            ["Points Possible", "", "", "", "", *(_number(table.points[c]) for c in table.chapters)]]
    for s in table.students:
        rows.append([s.sortable_name, s.lms_user_id, "", s.id, "", *(table.cell(s.id, c) for c in table.chapters)])
    return rows


def moodle_rows(table: GradeTable) -> list[list[str]]:
    """The Moodle grade-import CSV: header, one row per student."""
    rows = [["First name", "Last name", "ID number", "Email address", *table.chapters]]
    for s in table.students:
        rows.append([s.first_name, s.last_name, s.id, s.email, *(table.cell(s.id, c) for c in table.chapters)])
    return rows


def csv_rows(table: GradeTable) -> list[list[str]]:
    """A plain spreadsheet: identity columns, then one column per chapter."""
    rows = [["student_id", "first_name", "last_name", "email", *table.chapters]]
    for s in table.students:
        rows.append([s.id, s.first_name, s.last_name, s.email, *(table.cell(s.id, c) for c in table.chapters)])
    return rows


ROWS = {"canvas": canvas_rows, "moodle": moodle_rows, "csv": csv_rows}


def export_grades(root: Path, fmt: str = "csv", dest: Path | None = None,
                  chapters: list[str] | None = None) -> Path:
    """Write the gradebook of ``root`` as ``fmt`` (one of :data:`FORMATS`) to ``dest`` (default
    ``root/<FORMATS[fmt]>``), for the ``chapters`` named (default: all); its path.

    Raises ``ValueError`` for an unknown format, ``FileNotFoundError`` without a gradebook."""
    return write_table(read_grades(root, chapters), fmt, dest or root / FORMATS[fmt])


def write_table(table: GradeTable, fmt: str, path: Path) -> Path:
    """Write ``table`` as ``fmt`` to ``path``: UTF-8, comma-separated, a header row first."""
    if fmt not in ROWS:
        raise ValueError(f"unknown export format {fmt!r}: choose one of {', '.join(ROWS)}")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(ROWS[fmt](table))
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def export_warnings(table: GradeTable, fmt: str) -> list[str]:
    """What the instructor should know before importing: students the LMS cannot match,
    written answers not graded yet."""
    warnings = []
    unnamed = [s.id for s in table.students if not (s.first_name or s.last_name)]
    if fmt == "moodle" and any(not s.email for s in table.students):
        missing = [s.id for s in table.students if not s.email]
        warnings.append(f"{len(missing)} student(s) have no e-mail ({', '.join(missing[:5])}"
                        f"{', …' if len(missing) > 5 else ''}): map Moodle's users by 'ID number', "
                        "or import a roster first (python -m course students --import roster.csv)")
    elif unnamed:
        warnings.append(f"{len(unnamed)} student(s) have no name in nbgrader's student table: the LMS "
                        "must match them by id (python -m course students --import roster.csv adds names)")
    for chapter, waiting in table.manual.items():
        if waiting:
            warnings.append(f"{chapter}: {waiting} submission(s) still need manual grading; their written "
                            "answers count 0 until graded in the formgrader")
    return warnings


def import_roster(root: Path, roster: Path) -> list[Student]:
    """Add or update every student of ``roster`` in nbgrader's student table, through nbgrader's
    ``Gradebook`` API; the students written.

    The roster is a CSV with a header row: ``id`` (the nbgrader student id, required), and any
    of ``first_name``, ``last_name``, ``email``, ``lms_user_id`` (other columns are ignored).
    An empty cell leaves that field as it was. Without a gradebook yet, nbgrader creates one. Raises ``RosterError`` for a roster without an
    ``id`` column, a row without an id, or an id given twice; nothing is written then."""
    students = read_roster(roster)
    db = root / "gradebook.db"
    if not db.exists():  # a roster may come before any grading: nbgrader creates its database
        run_nbgrader(root, "db", "upgrade")
    with Gradebook(f"sqlite:///{db}", COURSE_ID) as gb:
        for student in students:
            given = {f: getattr(student, f) for f in ROSTER_FIELDS if getattr(student, f)}
            gb.update_or_create_student(student.id, **given)
    return students


def read_roster(roster: Path) -> list[Student]:
    """The students of a roster CSV (see :func:`import_roster`), checked before anything is written."""
    with roster.open(newline="", encoding="utf-8-sig") as f:  # a spreadsheet may add a BOM
        reader = csv.DictReader(f)
        header = [h.strip() for h in reader.fieldnames or []]
        if "id" not in header:
            raise RosterError(f"{roster}: the header row has no 'id' column (found: {', '.join(header) or 'nothing'})")
        students, seen = [], set()
        for line, row in enumerate(reader, start=2):
            row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            if not row["id"]:
                raise RosterError(f"{roster}, line {line}: no student id")
            if row["id"] in seen:
                raise RosterError(f"{roster}, line {line}: student {row['id']!r} appears twice")
            seen.add(row["id"])
            students.append(Student(row["id"], *(row.get(f, "") for f in ROSTER_FIELDS)))
    return students


def _number(value: float) -> str:
    """A score as the LMS reads it: ``26``, ``22.5`` (a dot, never an exponent)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
