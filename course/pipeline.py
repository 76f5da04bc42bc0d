"""The instructor's loop after the deadline, as commands of ``python -m course``:
``cohort`` (a synthetic cohort for the demo), ``feedback``, ``report``, and ``demo``, which runs
the whole loop: build, cohort, grade, feedback, export, report, summary table."""
from __future__ import annotations

import time

from .build import build
from .cohort import PROFILES, make_cohort
from .feedback import generate_feedback
from .grade import grade_submissions
from .lms import export_grades
from .notebooks import find_chapters
from .report import write_report
from .results import short_labels
from .review_list import needs_look


def cmd_cohort(args) -> int:
    written = make_cohort(args.root, args.chapters)
    for chapter, students in written.items():
        print(f"{chapter}: {len(students)} submissions written to submitted/")
    for student, profile in PROFILES.items():
        print(f"  {student:<6} {profile}")
    return 0


def cmd_feedback(args) -> int:
    written = generate_feedback(args.root, args.chapters)
    print(f"{len(written)} feedback files written to feedback/<student>/<chapter>/ (hidden tests not shown)")
    return 0


def cmd_report(args) -> int:
    path = write_report(args.root)
    print(f"report written to {path.relative_to(args.root)}")
    return 0


def summary(outcomes) -> str:
    """Student x chapter autograded scores, then who needs a human look and why."""
    chapters = sorted({o.assignment for o in outcomes})
    labels = short_labels(chapters)
    by_key = {(o.student, o.assignment): o for o in outcomes}
    width = max(11, *map(len, labels)) + 2  # "26/26  *" and a margin
    header = f"{'student':<8}" + "".join(f"{label:>{width}}" for label in labels)
    lines = [header, "-" * len(header)]
    for student in sorted({o.student for o in outcomes}):
        cells = []
        for chapter in chapters:
            o = by_key.get((student, chapter))
            cells.append("—" if o is None else f"{o.score:g}/{o.max_score:g}{'  *' if needs_look(o) else ''}")
        lines.append(f"{student:<8}" + "".join(f"{c:>{width}}" for c in cells))
    if labels != chapters:
        lines += [""] + [f"{label}: {chapter}" for label, chapter in zip(labels, chapters)]
    flagged = [o for o in outcomes if needs_look(o)]
    if flagged:
        lines += ["", "* needs a human look:"]
        for o in flagged:
            reasons = [o.reason] if o.reason else []
            lines.append(f"  {o.student} / {o.assignment} ({o.status}): {'; '.join(reasons + o.needs_review)}")
    return "\n".join(lines)


def cmd_demo(args) -> int:
    """The whole loop on a synthetic cohort, each step timed."""
    chapters = [c.id for c in find_chapters(args.root, args.chapters)]
    steps = [
        ("build", lambda: [build(c) for c in find_chapters(args.root, chapters)]),
        ("cohort", lambda: make_cohort(args.root, chapters)),
        ("grade", lambda: grade_submissions(args.root, assignments=chapters, force=True, progress=False)),
        ("feedback", lambda: generate_feedback(args.root, args.chapters)),
        ("export", lambda: export_grades(args.root)),
        ("report", lambda: write_report(args.root)),
    ]
    results = {}
    for name, step in steps:
        start = time.perf_counter()
        results[name] = step()
        print(f"{name:<9} {time.perf_counter() - start:6.1f} s")
    outcomes = [o for o in results["grade"] if o.student in PROFILES]
    print(f"\n{len(outcomes)} submissions of {len(PROFILES)} students in {len(chapters)} chapter(s); "
          f"{len(results['feedback'])} feedback files, grades.csv, reports/report.html\n")
    print(summary(outcomes))
    return 0
