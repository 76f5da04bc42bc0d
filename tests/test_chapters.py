"""Every chapter's files: the source passes `course check` and executes cleanly and fast; the
release leaks nothing; release and solutions are up to date with the sources.
(Grading through nbgrader is in test_grading_chapters.py.)"""
import nbformat
import pytest

from course.build import release_in_step, solutions_in_step
from course.check import problems
from course.notebooks import (EXECUTION_BUDGET_S, HIDDEN_BEGIN, HIDDEN_END, SOLUTION_BEGIN, SOLUTION_END,
                              execute, in_step)
from tests.conftest import per_chapter

@per_chapter()
def test_sources_pass_course_check(chapter):
    assert in_step(chapter), f"{chapter.source.name} is out of step with its text twin: run `python -m course sync`"
    assert problems(chapter) == []


@per_chapter()
def test_source_executes_cleanly_within_budget(chapter):
    # The budget is checked on the kernel's CPU time: wall time on this shared 2-core machine
    # swings with whatever else runs (the suite grades cohorts alongside). Quiet-machine wall
    # times are measured by benchmarks/notebook_times.py; a cell that hangs fails on the timeout.
    run = execute(chapter.source, timeout=60)
    stderr = [i for i, c in enumerate(run.nb.cells) if c.cell_type == "code"
              and any(o.get("name") == "stderr" for o in c.outputs)]
    assert stderr == [], f"cells {stderr} wrote to stderr"
    assert run.cpu_seconds < EXECUTION_BUDGET_S, (
        f"{chapter.id} used {run.cpu_seconds:.1f} s of CPU (budget {EXECUTION_BUDGET_S} s)")


def _lines_inside_and_outside(nb, regions):
    """Stripped, non-empty lines inside any (begin, end) region, and those outside all."""
    inside_lines, outside_lines = set(), set()
    begins, ends = {b for b, _ in regions}, {e for _, e in regions}
    for cell in nb.cells:
        inside = False
        for line in cell.source.splitlines():
            stripped = line.strip()
            if stripped in begins or stripped in ends:
                inside = stripped in begins
            elif stripped:
                (inside_lines if inside else outside_lines).add(stripped)
    return inside_lines, outside_lines


@per_chapter()
def test_release_leaks_no_solution_and_no_hidden_test(chapter):
    source = nbformat.read(chapter.source, as_version=4)
    release_text = chapter.release.read_text()
    release = nbformat.reads(release_text, as_version=4)
    regions = [(SOLUTION_BEGIN, SOLUTION_END), (HIDDEN_BEGIN, HIDDEN_END)]
    # Lines that also stand outside any region (a docstring, a visible test) may appear.
    hidden, public = _lines_inside_and_outside(source, regions)
    secret = hidden - public
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
