"""Every chapter, through the real tools: the source executes cleanly and fast; nbgrader gives
the solution full marks, the blank release zero, every catalogued mistake less than full marks
in its own tests, and every right-but-different answer full marks; the release leaks nothing;
release and solutions are up to date with the sources."""
import time

import nbformat
import pytest
from nbclient import NotebookClient

from course.build import release_in_step, solutions_in_step
from course.check import problems
from course.grading import grade_notebooks, replace_answer
from course.notebooks import HIDDEN_BEGIN, HIDDEN_END, SOLUTION_BEGIN, SOLUTION_END, autograded_points, in_step
from tests.catalogue import load
from tests.conftest import per_chapter

EXECUTION_BUDGET_S = 15.0
_cohorts = {}


def graded_cohort(chapter, tmp_path_factory):
    """Solution, blank release and every catalogue variant of a chapter, graded as one cohort
    by a single `nbgrader autograde` run (cached per chapter for this test session)."""
    if chapter.id not in _cohorts:
        source = nbformat.read(chapter.source, as_version=4)
        wrong, right = load(chapter.id)
        variants = {f"wrong{i:02d}": v for i, v in enumerate(wrong)} | {f"right{i:02d}": v for i, v in enumerate(right)}
        submissions = {"solution": chapter.source, "blank": chapter.release}
        submissions |= {student: replace_answer(source, v.answer, v.code) for student, v in variants.items()}
        results, _ = grade_notebooks(chapter.root, chapter, submissions, tmp_path_factory.mktemp(chapter.id))
        _cohorts[chapter.id] = (results, variants, autograded_points(source))
    return _cohorts[chapter.id]


@per_chapter()
def test_sources_pass_course_check(chapter):
    assert in_step(chapter), f"{chapter.source.name} is out of step with its text twin: run `python -m course sync`"
    assert problems(chapter) == []


@per_chapter()
def test_source_executes_cleanly_within_budget(chapter):
    nb = nbformat.read(chapter.source, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(chapter.source.parent)}}).execute()
    seconds = time.perf_counter() - start
    stderr = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
              and any(o.get("name") == "stderr" for o in c.outputs)]
    assert stderr == [], f"cells {stderr} wrote to stderr"
    assert seconds < EXECUTION_BUDGET_S, f"{chapter.id} took {seconds:.1f} s (budget {EXECUTION_BUDGET_S} s)"


@per_chapter()
def test_solution_full_marks_and_blank_zero(chapter, tmp_path_factory):
    results, _, points = graded_cohort(chapter, tmp_path_factory)
    solution, blank = results["solution"], results["blank"]
    assert solution.error == "" and blank.error == ""
    assert points > 0 and solution.max_score == points
    assert solution.score == points, {g: s for g, s in solution.scores.items() if s[0] < s[1]}
    assert solution.stderr_cells == []
    assert blank.score == 0, {g: s for g, s in blank.scores.items() if s[0] > 0}


@per_chapter()
def test_every_catalogued_mistake_loses_points(chapter, tmp_path_factory):
    results, variants, _ = graded_cohort(chapter, tmp_path_factory)
    wrong = {s: v for s, v in variants.items() if s.startswith("wrong")}
    answers = {c.metadata["nbgrader"]["grade_id"] for c in nbformat.read(chapter.source, as_version=4).cells
               if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"}
    per_answer = {a: sum(v.answer == a for v in wrong.values()) for a in answers}
    assert min(per_answer.values()) >= 2, f"fewer than two catalogued mistakes: {per_answer}"
    kept = []
    for student, variant in wrong.items():
        score, full = results[student].points([f"test_{variant.answer}_visible", f"test_{variant.answer}_hidden"])
        if not (full > 0 and score < full):
            kept.append(f"{variant.answer}: {variant.name} ({score:g}/{full:g})")
    assert kept == [], "mistakes that keep full marks in their own tests:\n" + "\n".join(kept)


@per_chapter()
def test_right_but_different_answers_keep_full_marks(chapter, tmp_path_factory):
    results, variants, points = graded_cohort(chapter, tmp_path_factory)
    right = {s: v for s, v in variants.items() if s.startswith("right")}
    assert right, "the catalogue has no right-but-different answers"
    lost = [f"{v.answer}: {v.name}: {results[s].score:g}/{points:g} "
            f"{ {g: p for g, p in results[s].scores.items() if p[0] < p[1]} }"
            for s, v in right.items() if results[s].score != points or results[s].stderr_cells]
    assert lost == [], "right answers that lose points:\n" + "\n".join(lost)


def _region_lines(nb, begin, end):
    """Stripped, non-empty lines inside begin/end regions across the notebook."""
    lines, inside = set(), False
    for cell in nb.cells:
        for line in cell.source.splitlines():
            stripped = line.strip()
            if stripped == begin:
                inside = True
            elif stripped == end:
                inside = False
            elif inside and stripped:
                lines.add(stripped)
    return lines


def _outside_lines(nb, regions):
    lines = set()
    for cell in nb.cells:
        inside = False
        for line in cell.source.splitlines():
            stripped = line.strip()
            if any(stripped == b for b, _ in regions):
                inside = True
            elif any(stripped == e for _, e in regions):
                inside = False
            elif not inside and stripped:
                lines.add(stripped)
    return lines


@per_chapter()
def test_release_leaks_no_solution_and_no_hidden_test(chapter):
    source = nbformat.read(chapter.source, as_version=4)
    release_text = chapter.release.read_text()
    release = nbformat.reads(release_text, as_version=4)
    regions = [(SOLUTION_BEGIN, SOLUTION_END), (HIDDEN_BEGIN, HIDDEN_END)]
    # Lines that also stand outside any region (a docstring, a visible test) may appear.
    public = _outside_lines(source, regions)
    secret = (_region_lines(source, *regions[0]) | _region_lines(source, *regions[1])) - public
    released_lines = {line.strip() for cell in release.cells for line in cell.source.splitlines()}
    assert secret, "no solution or hidden-test lines found in the source"
    assert sorted(secret & released_lines) == []
    for marker in (SOLUTION_BEGIN, HIDDEN_BEGIN, "BEGIN HIDDEN"):
        assert marker not in release_text
    written = [c for c in source.cells if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("solution")]
    for cell in written:  # model answers to the written questions
        assert cell.source.strip() not in release_text
    extra = sorted(p.name for p in chapter.release.parent.iterdir())
    assert extra == [chapter.release.name], f"the release folder holds more than the notebook: {extra}"


@per_chapter()
def test_release_and_solutions_are_up_to_date(chapter, tmp_path):
    assert release_in_step(chapter, tmp_path), "release/ is stale: run `python -m course build`"
    assert solutions_in_step(chapter), "solutions/ is stale: run `python -m course build`"
    solution = nbformat.read(chapter.solution, as_version=4)
    executed = [c for c in solution.cells if c.cell_type == "code" and c.source.strip()]
    assert all(c.execution_count for c in executed), "solutions/ must be executed, with outputs"
    assert not any(HIDDEN_BEGIN in c.source for c in solution.cells)
