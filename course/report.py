"""The instructor's report on a graded cohort: ``reports/report.html``, one self-contained file.

Scores come from the course's gradebook (what nbgrader recorded); grading times, statuses and
the reasons a submission needs a human look come from ``reports/grading.json``, which every
grading run writes. The plots are matplotlib PNGs embedded as base64.
"""
from __future__ import annotations

import base64
import html
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the report is written to a file, never shown
import matplotlib.pyplot as plt  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402

from .grading import COURSE_ID  # noqa: E402


@dataclass
class Cohort:
    """What the gradebook holds: per (student, assignment) the autograded points per test cell."""

    tests: dict[tuple[str, str], dict[str, tuple[float, float]]] = field(default_factory=dict)

    def total(self, student: str, assignment: str) -> tuple[float, float]:
        """(score, max) over the autograded test cells of one submission."""
        scores = self.tests[student, assignment].values()
        return sum(s for s, _ in scores), sum(m for _, m in scores)

    @property
    def assignments(self) -> list[str]:
        return sorted({a for _, a in self.tests})

    @property
    def students(self) -> list[str]:
        return sorted({s for s, _ in self.tests})

    def pass_rates(self) -> list[tuple[str, str, float, int]]:
        """(assignment, test, fraction of submissions with full points, submissions), hardest first."""
        rates = {}
        for (_, assignment), scores in self.tests.items():
            for test, (score, full) in scores.items():
                passed, seen = rates.get((assignment, test), (0, 0))
                rates[assignment, test] = (passed + (score >= full), seen + 1)
        rows = [(a, t, passed / seen, seen) for (a, t), (passed, seen) in rates.items()]
        return sorted(rows, key=lambda row: (row[2], row[0], row[1]))


def read_gradebook(root: Path) -> Cohort:
    """The autograded points of every submission in ``root/gradebook.db``."""
    cohort = Cohort()
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", COURSE_ID) as gb:
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                scores = {}
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        if grade.cell_type == "code":  # written answers are graded by hand
                            scores[grade.name] = (float(grade.score or 0.0), float(grade.max_score))
                cohort.tests[submission.student.id, assignment.name] = scores
    return cohort


def read_outcomes(root: Path) -> list[dict]:
    """The latest grading outcome of every submission (``reports/grading.json``), or none."""
    path = root / "reports" / "grading.json"
    return json.loads(path.read_text()) if path.exists() else []


def _png(fig) -> str:
    """A figure as an embedded ``<img>`` (base64 PNG); the figure is closed."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return f'<img alt="plot" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def score_distribution_plot(cohort: Cohort) -> str:
    """Histograms of score percentages, one colour per assignment."""
    fig, ax = plt.subplots(figsize=(7, 3))
    percents = [[100 * s / m if m else 0.0 for s, m in
                 (cohort.total(st, assignment) for st in cohort.students if (st, assignment) in cohort.tests)]
                for assignment in cohort.assignments]
    ax.hist(percents, bins=[i * 10 for i in range(11)], label=cohort.assignments)  # side-by-side bars
    ax.set(xlabel="autograded score (%)", ylabel="submissions", title="Score distribution per chapter")
    ax.legend(fontsize=8)
    return _png(fig)


def pass_rate_plot(rows: list[tuple[str, str, float, int]]) -> str:
    """Horizontal bars of per-test pass rates, the hardest test on top."""
    fig, ax = plt.subplots(figsize=(7, 0.25 * len(rows) + 1))
    labels = [f"{a}: {t}" for a, t, _, _ in rows]
    ax.barh(range(len(rows)), [100 * r for _, _, r, _ in rows], color="tab:blue")
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set(xlabel="submissions with full points (%)", xlim=(0, 100), title="Pass rate per test, hardest first")
    return _png(fig)


def grading_time_plot(outcomes: list[dict]) -> str:
    """Bars of the grading wall time of each notebook, slowest first."""
    timed = sorted((o for o in outcomes if o.get("seconds") is not None), key=lambda o: -o["seconds"])
    fig, ax = plt.subplots(figsize=(7, 0.25 * len(timed) + 1))
    ax.barh(range(len(timed)), [o["seconds"] for o in timed], color="tab:orange")
    ax.set_yticks(range(len(timed)), [f"{o['student']} / {o['assignment']}" for o in timed], fontsize=7)
    ax.invert_yaxis()
    ax.set(xlabel="seconds", title="Grading time per notebook")
    return _png(fig)


def _table(header: list[str], rows: list[list]) -> str:
    cells = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{cells}</tr>{body}</table>"


def scores_table(cohort: Cohort) -> str:
    """Student x assignment autograded scores."""
    rows = []
    for student in cohort.students:
        row = [student]
        for assignment in cohort.assignments:
            if (student, assignment) in cohort.tests:
                score, full = cohort.total(student, assignment)
                row.append(f"{score:g} / {full:g}")
            else:
                row.append("—")
        rows.append(row)
    return _table(["student", *cohort.assignments], rows)


def review_table(outcomes: list[dict]) -> str:
    """Submissions that need a human look, and why."""
    rows = [[o["student"], o["assignment"], o["status"], "; ".join(filter(None, [o.get("reason", "")] + o["needs_review"]))]
            for o in outcomes if o.get("needs_review") or o.get("status") not in ("graded", "unchanged")]
    if not rows:
        return "<p>No submission needs a human look.</p>"
    return _table(["student", "assignment", "status", "why"], rows)


STYLE = ("body{font-family:sans-serif;max-width:60em;margin:auto}table{border-collapse:collapse}"
         "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left;font-size:90%}")


def write_report(root: Path) -> Path:
    """Write ``root/reports/report.html`` from the gradebook and ``reports/grading.json``."""
    cohort, outcomes = read_gradebook(root), read_outcomes(root)
    rates = cohort.pass_rates()
    sections = [
        ("Scores", scores_table(cohort)),
        ("Score distribution per chapter", score_distribution_plot(cohort)),
        ("Pass rate per test (hardest first)",
         pass_rate_plot(rates) + _table(["chapter", "test", "pass rate", "submissions"],
                                        [[a, t, f"{100 * r:.0f}%", n] for a, t, r, n in rates])),
        ("Grading time per notebook", grading_time_plot(outcomes) if outcomes else "<p>No grading.json yet.</p>"),
        ("Needs a human look", review_table(outcomes)),
    ]
    body = "".join(f"<h2>{html.escape(title)}</h2>\n{content}\n" for title, content in sections)
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Grading report</title>"
            f"<style>{STYLE}</style></head><body><h1>Grading report: {COURSE_ID}</h1>\n{body}</body></html>\n")
    path = root / "reports" / "report.html"
    path.parent.mkdir(exist_ok=True)
    path.write_text(page)
    return path
