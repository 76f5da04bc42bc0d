"""Every chapter's files: the source passes `course check` and executes cleanly and fast; the
release leaks nothing; release and solutions are up to date with the sources.
(Grading through nbgrader is in test_grading_chapters.py.)"""
import time

import nbformat
import pytest
from nbclient import NotebookClient

from course.build import release_in_step, solutions_in_step
from course.check import problems
from course.notebooks import HIDDEN_BEGIN, HIDDEN_END, SOLUTION_BEGIN, SOLUTION_END, in_step
from tests.conftest import per_chapter

EXECUTION_BUDGET_S = 15.0


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
    assert "widgets" not in solution.metadata, "widget state changes at every build: it is stripped"
