"""The instructor's report on a graded cohort: ``reports/report.html``, one self-contained page.

It answers what an instructor asks after a deadline, in this order:

1. **Overview**: who scored what in every chapter (short chapter labels, a legend), each
   student's total, each chapter's median and spread, and who is struggling.
2. **One section per chapter**: a test that failed students who passed every other test (the
   signature of a test that fails right answers) flagged first; the score histogram; a
   student × test heat map (points earned of points possible, students by score, tests in
   notebook order, hidden tests striped) with each notebook's grading time; and for every test
   that lost points, the kinds of failure (``course.failures``), the most common first.
3. **Needs a human look**: grouped by student, each reason once with the cells it concerns
   (``course.review_list``), and links to the student's feedback files.

The data come from ``course.results``; the page has no script and fetches nothing (histograms
are PNGs embedded as base64), so it opens from a file or an e-mail, and it fits a 1280 px
wide window.
"""
from __future__ import annotations

import base64
import html
import io
import statistics
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the report is written to a file, never shown
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from .failures import kinds, suspects  # noqa: E402
from .grading import COURSE_ID  # noqa: E402
from .results import Results, Submission, Test, read_results, short_labels  # noqa: E402
from .review_list import student_reasons  # noqa: E402

STRUGGLING = 0.5  # a total below this fraction of the points possible is called struggling
# Heat-map colours from no points to full points (light, so that the text stays readable).
STOPS = [(0.0, (244, 165, 130)), (0.5, (254, 224, 139)), (1.0, (166, 217, 106))]

STYLE = """
body{font-family:system-ui,sans-serif;max-width:1240px;margin:0 auto;padding:0 16px 40px;color:#222}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:2px solid #444;padding-bottom:2px}
h3{margin:1.2em 0 .4em}h4{margin:1em 0 .3em}
table{border-collapse:collapse;font-size:13px}
td,th{border:1px solid #bbb;padding:2px 6px;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.legend,.note{font-size:13px;color:#444}
.flag{border:2px solid #c0392b;background:#fdecea;padding:6px 12px;margin:8px 0}
.flag h3{color:#c0392b;margin:0 0 4px}
.row{display:flex;gap:24px;align-items:flex-start;flex-wrap:wrap}
table.heat td{padding:1px 3px;font-size:11px;text-align:center;min-width:24px}
table.heat th{font-size:11px;padding:1px 3px;text-align:center}
table.heat th.answer{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:normal;
 text-align:left;padding:4px 1px;max-height:150px}
table.heat th.v{background:#eee}table.heat th.h{background:#444;color:#fff}
table.heat td.h{background-image:repeating-linear-gradient(135deg,rgba(0,0,0,.13) 0 2px,transparent 2px 6px)}
table.heat td.student,table.heat th.student{text-align:left}
.bar{display:inline-block;height:8px;background:#7f8c8d;vertical-align:middle;margin-right:4px}
table.kinds{width:100%}table.kinds td{vertical-align:top}
td.testname{width:16em}td.count{font-weight:bold;width:4em}td.who{width:14em}
.hint{color:#555;font-style:italic}details summary{font-size:12px;color:#555;cursor:pointer}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f6f6;padding:4px 8px;font-size:12px;margin:2px 0}
.tag{font-size:11px;border-radius:3px;padding:0 4px;margin-left:4px}
.tag.h{background:#444;color:#fff}.tag.v{background:#ddd}
td.why{word-break:break-word}
nav a{margin-right:10px}
"""


def write_report(root: Path) -> Path:
    """Write ``root/reports/report.html`` from the graded cohort in ``root``; its path.

    Raises ``FileNotFoundError`` when ``root`` has no gradebook yet."""
    page = render(read_results(root), root)
    path = root / "reports" / "report.html"
    path.parent.mkdir(exist_ok=True)
    path.write_text(page)
    return path


def render(results: Results, root: Path) -> str:
    """The whole page for ``results``; links to feedback files are relative to ``root/reports``."""
    labels = dict(zip(results.chapters, short_labels(results.chapters)))
    nav = "".join(f'<a href="#{_esc(labels[c])}">{_esc(labels[c])}</a>' for c in results.chapters)
    body = [f"<h1>Grading report: {_esc(COURSE_ID)}</h1>",
            f"<nav>{nav}<a href='#review'>needs a human look</a></nav>",
            '<section id="overview"><h2>Overview</h2>', overview(results, labels), "</section>"]
    for chapter in results.chapters:
        body.append(chapter_section(results, chapter, labels[chapter]))
    body.append(review_section(results, root, labels))
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width'>"
            f"<title>Grading report: {_esc(COURSE_ID)}</title><style>{STYLE}</style></head>"
            f"<body>{''.join(body)}</body></html>\n")


# ------------------------------------------------------------------------------ overview

def overview(results: Results, labels: dict[str, str]) -> str:
    """Student × chapter autograded points, totals, each chapter's median and spread, a legend
    of the chapter labels and the students who are struggling."""
    chapters, students = results.chapters, _by_total(results)
    head = "".join(f'<th><a href="#{_esc(labels[c])}">{_esc(labels[c])}</a></th>' for c in chapters)
    rows = []
    for student in students:
        cells = []
        for chapter in chapters:
            sub = results.submissions.get((student, chapter))
            cells.append("<td>—</td>" if sub is None else
                         _score_cell(sub.score, sub.max_score, _look_mark(sub)))
        score, full = results.total(student)
        rows.append(f"<tr><td>{_esc(student)}</td>{''.join(cells)}"
                    f"{_score_cell(score, full)}<td class='n'>{_percent(score, full)}</td></tr>")
    stats = [[s.score for s in results.of_chapter(c)] for c in chapters]
    full = [max((s.max_score for s in results.of_chapter(c)), default=0) for c in chapters]
    median = "".join(f"<td class='n'>{_points(statistics.median(v))}/{_points(m)}</td>" for v, m in zip(stats, full))
    spread = "".join(f"<td class='n'>{_iqr(v)}</td>" for v in stats)
    table = (f"<table class='overview'><tr><th>student</th>{head}<th>total</th><th>%</th></tr>{''.join(rows)}"
             f"<tr><th>median</th>{median}<td></td><td></td></tr>"
             f"<tr><th title='interquartile range: the middle half of the scores'>spread (IQR)</th>{spread}"
             f"<td></td><td></td></tr></table>")
    legend = " · ".join(f"<b>{_esc(labels[c])}</b> {_esc(c)}" for c in chapters if labels[c] != c)
    struggling = [s for s in reversed(students) if _fraction(*results.total(s)) < STRUGGLING]
    note = (f"<p class='note'><b>Struggling</b> (below {STRUGGLING:.0%} of the autograded points): "
            + ", ".join(f"{_esc(s)} ({_percent(*results.total(s))})" for s in struggling) + "</p>"
            if struggling else "<p class='note'>Nobody is below "
            f"{STRUGGLING:.0%} of the autograded points.</p>")
    return (table + (f"<p class='legend'>{legend}</p>" if legend else "") + note
            + "<p class='note'>Autograded points only: the written answers are graded by hand in "
              "the formgrader. * needs a human look (see the end of the page).</p>")


def _by_total(results: Results) -> list[str]:
    """Students by their share of the points possible, the highest first."""
    return sorted(results.students, key=lambda s: (-_fraction(*results.total(s)), s))


def _look_mark(sub: Submission) -> str:
    return f' <a href="#review-{_esc(sub.student)}" title="needs a human look">*</a>' if sub.needs_look else ""


# ------------------------------------------------------------------------------ one chapter

def chapter_section(results: Results, chapter: str, label: str) -> str:
    """A chapter's flags, summary, histogram, heat map and failure kinds."""
    subs = results.of_chapter(chapter)
    tests = results.tests[chapter]
    parts = [f'<section class="chapter" id="{_esc(label)}"><h2>{_esc(label)} · {_esc(chapter)}</h2>',
             unfair_flags(subs, tests), f"<p class='note'>{_summary(subs)}</p>",
             f"<div class='row'><div><h3>Score distribution</h3>{histogram(subs)}</div>"
             f"<div><h3>Students × tests</h3>{heat_map(subs, tests)}</div></div>",
             why_failed(subs, tests), "</section>"]
    return "".join(parts)


def _summary(subs: list[Submission]) -> str:
    scores = [s.score for s in subs]
    full = max((s.max_score for s in subs), default=0)
    text = (f"{len(subs)} submissions; median {_points(statistics.median(scores))}/{_points(full)}, "
            f"middle half {_iqr(scores)}")
    timed = [s for s in subs if s.seconds is not None]
    if timed:
        slowest = max(timed, key=lambda s: s.seconds)
        text += (f"; grading time median {statistics.median(s.seconds for s in timed):.1f} s, "
                 f"slowest {slowest.seconds:.1f} s ({_esc(slowest.student)})")
    return text


def unfair_flags(subs: list[Submission], tests: list[Test]) -> str:
    """A warning for each test that failed students who passed every other test."""
    passed = {s.student: {t.name: s.passed(t.name) for t in tests}
              for s in subs if s.status != "not graded"}
    by_name = {t.name: t for t in tests}
    failures = {s.student: s.failures for s in subs}
    items = []
    for suspect in suspects(passed):
        messages = "".join(f"<pre>{_esc(s)}: {_esc(failures[s][suspect.test].message or failures[s][suspect.test].problem)}</pre>"
                           for s in suspect.students)
        items.append(f"<li><b>{_esc(suspect.test)}</b>{_tag(by_name[suspect.test])} failed "
                     f"{len(suspect.students)} of the {suspect.peers} students who passed every other test: "
                     f"{_esc(', '.join(suspect.students))}<details><summary>what they got</summary>"
                     f"{messages}</details></li>")
    if not items:
        return ""
    return ("<div class='flag'><h3>Is this test unfair?</h3><p>A test that fails students whose other "
            "tests all pass is what a test that rejects right answers looks like. Read what they got, "
            f"and their code, before trusting it.</p><ul>{''.join(items)}</ul></div>")


def histogram(subs: list[Submission]) -> str:
    """The chapter's scores (percent of the points possible) as a small histogram."""
    fig, ax = plt.subplots(figsize=(3.4, 2.0))
    ax.hist([100 * s.fraction for s in subs], bins=range(0, 101, 10), color="#4c72b0", edgecolor="white")
    ax.set(xlabel="autograded score (%)", ylabel="students", xlim=(0, 100))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    return _png(fig, "score histogram")


def heat_map(subs: list[Submission], tests: list[Test]) -> str:
    """Students (by score) × tests (notebook order): points earned of points possible, hidden
    tests striped, then the total and the grading time."""
    groups: list[tuple[str, int]] = []  # consecutive tests of one answer share a header
    for test in tests:
        if groups and groups[-1][0] == test.answer:
            groups[-1] = (test.answer, groups[-1][1] + 1)
        else:
            groups.append((test.answer, 1))
    answers = "".join(f"<th class='answer' colspan='{n}'>{_esc(a)}</th>" for a, n in groups)
    kinds_row = "".join(f"<th class='{'h' if t.hidden else 'v'}' title='{_esc(t.name)}'>"
                        f"{'H' if t.hidden else 'V'}</th>" for t in tests)
    slowest = max((s.seconds or 0 for s in subs), default=0) or 1
    rows = []
    for sub in subs:
        cells = []
        for test in tests:
            score, full = sub.scores.get(test.name, (0.0, test.points))
            cells.append(f"<td class='{'h' if test.hidden else 'v'}' style='background-color:{colour(_fraction(score, full))}' "
                         f"title='{_esc(sub.student)} · {_esc(test.name)}: {_points(score)} of {_points(full)}'>"
                         f"{_points(score)}/{_points(full)}</td>")
        time = (f"<span class='bar' style='width:{60 * sub.seconds / slowest:.0f}px'></span>{sub.seconds:.1f}"
                if sub.seconds is not None else "—")
        rows.append(f"<tr><td class='student'>{_esc(sub.student)}{_look_mark(sub)}</td>{''.join(cells)}"
                    f"{_score_cell(sub.score, sub.max_score)}<td class='n time'>{time}</td></tr>")
    return (f"<table class='heat'><tr><th class='student' rowspan='2'>student</th>{answers}"
            f"<th rowspan='2'>total</th><th rowspan='2'>grading (s)</th></tr><tr>{kinds_row}</tr>"
            f"{''.join(rows)}</table><p class='legend'>V visible test · H hidden test (striped cells); "
            "each cell: points earned / possible.</p>")


def why_failed(subs: list[Submission], tests: list[Test]) -> str:
    """For every test that lost points, its failures grouped into kinds, the most common first;
    the tests that failed the most students first. One table row per kind."""
    rows = []
    for test in sorted(tests, key=lambda t: -sum(t.name in s.failures for s in subs)):
        failed = [(s.student, s.failures[test.name]) for s in subs if test.name in s.failures]
        found = kinds(failed)
        for i, kind in enumerate(found):
            head = (f"<td rowspan='{len(found)}' class='testname'>{_esc(test.name)}{_tag(test)}<br>"
                    f"<span class='note'>failed by {len(failed)} of {len(subs)}</span></td>" if i == 0 else "")
            hint = f"<br><span class='hint'>Hint: {_esc(kind.example.hint)}</span>" if kind.example.hint else ""
            example = (f"<details><summary>{_esc(kind.students[0])}'s message</summary>"
                       f"<pre>{_esc(kind.example.message)}</pre></details>"
                       if kind.example.message.strip() not in ("", kind.example.checked) else "")
            rows.append(f"<tr class='kind'>{head}<td class='n count'>{kind.count}</td><td class='why'>"
                        f"{_esc(kind.checked)}: <b>{_esc(kind.example.problem)}</b>{hint}{example}</td>"
                        f"<td class='who'>{_esc(', '.join(kind.students))}</td></tr>")
    if not rows:
        return "<h3>Why students failed</h3><p>Every submission passed every test.</p>"
    return ("<h3>Why students failed</h3><table class='kinds'><tr><th>test</th><th>students</th>"
            "<th>kind of failure (what was checked: how it failed; the check's hint)</th><th>who</th></tr>"
            f"{''.join(rows)}</table>")


def _tag(test: Test) -> str:
    return "<span class='tag h'>hidden</span>" if test.hidden else "<span class='tag v'>visible</span>"


# ------------------------------------------------------------------------------ review list

def review_section(results: Results, root: Path, labels: dict[str, str]) -> str:
    """Who needs a human look: per student each reason once, where it occurs, and links to the
    student's feedback files."""
    blocks = []
    for student in results.students:
        flagged = [(c, _reasons(results.submissions[student, c])) for c in results.chapters
                   if (student, c) in results.submissions and results.submissions[student, c].needs_look]
        if not flagged:
            continue
        rows = []
        for reason in student_reasons(flagged):
            where = "; ".join(f"{_esc(labels[c])}" + (f": {_esc(', '.join(reason.cells(c)))}" if reason.cells(c) else "")
                              for c in reason.chapters)
            rows.append(f"<tr><td class='why'>{_esc(reason.text)}</td><td>{where}</td></tr>")
        links = [_feedback_link(root, student, c, labels[c]) for c, _ in flagged]
        blocks.append(f"<div class='student' id='review-{_esc(student)}'><h3>{_esc(student)}</h3>"
                      f"<p class='note'>Feedback: {' · '.join(links)}</p>"
                      f"<table><tr><th>why</th><th>where (chapter: cell)</th></tr>{''.join(rows)}</table></div>")
    content = "".join(blocks) or ("<p>No submission needs a human look.</p>" if results.outcomes else
                                  "<p>No reports/grading.json: grade with python -m course grade to "
                                  "learn who needs a look.</p>")
    return f'<section id="review"><h2>Needs a human look</h2>{content}</section>'


def _reasons(sub: Submission) -> list[str]:
    """A submission's reasons: grading's (one per cell, when it graded) and the review notes."""
    if not sub.reason:
        reasons = []
    elif sub.status in ("graded", "partly graded"):  # one sentence per cell, joined by "; "
        reasons = sub.reason.split("; ")
    else:
        reasons = [sub.reason]
    if sub.status not in ("graded", "unchanged", "partly graded") and not reasons:
        reasons = [sub.status]
    return reasons + sub.needs_review


def _feedback_link(root: Path, student: str, chapter: str, label: str) -> str:
    path = Path("feedback") / student / chapter / f"{chapter}.html"
    if not (root / path).exists():
        return f"{_esc(label)} (no feedback file yet: python -m course feedback)"
    return f'<a href="../{_esc(path.as_posix())}">{_esc(label)}</a>'


# ------------------------------------------------------------------------------ small pieces

def colour(fraction: float) -> str:
    """The heat-map colour of a fraction of the points in [0, 1], as ``rgb(r,g,b)``."""
    fraction = min(max(fraction, 0.0), 1.0)
    for (x0, c0), (x1, c1) in zip(STOPS, STOPS[1:]):
        if fraction <= x1:
            t = (fraction - x0) / (x1 - x0)
            return "rgb({},{},{})".format(*(round(a + t * (b - a)) for a, b in zip(c0, c1)))
    return "rgb({},{},{})".format(*STOPS[-1][1])


def _score_cell(score: float, full: float, extra: str = "") -> str:
    return (f"<td class='n' style='background-color:{colour(_fraction(score, full))}'>"
            f"{_points(score)}/{_points(full)}{extra}</td>")


def _fraction(score: float, full: float) -> float:
    return score / full if full else 0.0


def _percent(score: float, full: float) -> str:
    return f"{100 * _fraction(score, full):.0f}%"


def _points(value: float) -> str:
    return f"{value:g}"


def _iqr(values: list[float]) -> str:
    """The middle half of ``values`` as ``"low–high"`` (the quartiles; one value: itself)."""
    if len(values) < 2:
        return "–".join([_points(values[0])] * 2) if values else "—"
    low, _, high = statistics.quantiles(values, n=4, method="inclusive")
    return f"{_points(round(low, 1))}–{_points(round(high, 1))}"


def _png(fig, alt: str) -> str:
    """A figure as an embedded ``<img>`` (base64 PNG); the figure is closed."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode()
    return f'<img alt="{_esc(alt)}" src="data:image/png;base64,{data}">'


def _esc(text) -> str:
    return html.escape(str(text), quote=True)
