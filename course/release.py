"""Releasing chapters to students through nbgrader's exchange, in the order the course needs.

Chapters 5–7 show chapter 4's answers in a read-only cell (``course/reference.py``), so a
student who fetches one of them before chapter 4's deadline is handed chapter 4's solutions.
``python -m course release [ids]`` runs ``nbgrader release_assignment`` for each chapter, but
refuses a chapter that holds chapter 4's answers while chapter 4 has no due date in the past
in the course's gradebook (set it with ``nbgrader db assignment add ch04_backprop
--duedate="YYYY-MM-DD HH:MM:SS UTC"`` or in the formgrader), and says why; ``--force``
releases anyway.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import nbformat

from .nbgrader_run import run_nbgrader
from .notebooks import Chapter, find_chapters
from .reference import PLACEHOLDER_ID, REFERENCE_CHAPTER


class ReleaseRefused(Exception):
    """Releasing a chapter now would give away another chapter's answers."""


def holds_reference_answers(chapter: Chapter) -> bool:
    """True when the chapter's release carries chapter 4's answers (its reference cell)."""
    nb = nbformat.read(chapter.source, as_version=4)
    return any(cell.metadata.get("nbgrader", {}).get("grade_id") == PLACEHOLDER_ID for cell in nb.cells)


def reference_due_date(root: Path) -> datetime | None:
    """Chapter 4's due date in the gradebook of the course at ``root`` (naive UTC, as nbgrader
    stores it), or None when the gradebook, the assignment or its due date is missing."""
    database = root / "gradebook.db"
    if not database.exists():  # opening a Gradebook would create an empty one
        return None
    from .gradebook import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{database}") as gradebook:
        try:
            return gradebook.find_assignment(REFERENCE_CHAPTER).duedate
        except MissingEntry:
            return None


def refusal(chapter: Chapter, now: datetime | None = None) -> str:
    """Why ``chapter`` must not be released yet (at ``now``, naive UTC), or "" when it may be."""
    if chapter.id == REFERENCE_CHAPTER or not holds_reference_answers(chapter):
        return ""
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    due = reference_due_date(chapter.root)
    if due is not None and due < now:
        return ""
    when = ("has no due date in the gradebook" if due is None
            else f"is due on {due:%Y-%m-%d %H:%M} UTC, still ahead")
    return (f"{chapter.id} shows chapter 4's answers in a read-only cell, and {REFERENCE_CHAPTER} {when}: "
            f"releasing it now would hand students chapter 4's solutions. Set chapter 4's due date "
            f"(nbgrader db assignment add {REFERENCE_CHAPTER} --duedate=\"YYYY-MM-DD HH:MM:SS UTC\") and "
            f"release after it, or pass --force to release anyway.")


def release(chapter: Chapter, force: bool = False) -> str:
    """Release ``chapter`` to the exchange with ``nbgrader release_assignment``; its log.

    Raises ``ReleaseRefused`` (with the reason) when the order forbids it and not ``force``.
    """
    reason = refusal(chapter)
    if reason and not force:
        raise ReleaseRefused(reason)
    (chapter.root / ".exchange").mkdir(exist_ok=True)  # nbgrader's local exchange (nbgrader_config.py)
    return run_nbgrader(chapter.root, "release_assignment", chapter.id)


def cmd_release(args) -> int:
    refused = 0
    for chapter in find_chapters(args.root, args.chapters):
        try:
            release(chapter, force=args.force)
        except ReleaseRefused as reason:
            print(f"{chapter.id}: not released. {reason}")
            refused += 1
            continue
        forced = " (forced before chapter 4's deadline)" if args.force and refusal(chapter) else ""
        print(f"{chapter.id}: released to the exchange{forced}")
    return 1 if refused else 0
