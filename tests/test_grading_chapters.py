"""Every chapter graded by real `nbgrader autograde`: the solution earns full marks and the
blank release zero; every catalogued mistake loses points in its own function's tests; every
right-but-different answer keeps full marks. Each chapter's whole cohort (solution, blank and
all catalogue variants) is graded once, in parallel shards, and shared by the tests below."""
import os

import nbformat

from course.grading import grade_notebooks, replace_answer
from course.notebooks import autograded_points
from tests.catalogue import load
from tests.conftest import per_chapter

_cohorts = {}


def graded_cohort(chapter, tmp_path_factory):
    """Solution, blank release and every catalogue variant of a chapter, graded as one cohort
    by real `nbgrader autograde` (cached per chapter for this test session)."""
    if chapter.id not in _cohorts:
        source = nbformat.read(chapter.source, as_version=4)
        wrong, right = load(chapter.id)
        variants = {f"wrong{i:02d}": v for i, v in enumerate(wrong)} | {f"right{i:02d}": v for i, v in enumerate(right)}
        submissions = {"solution": chapter.source, "blank": chapter.release}
        submissions |= {student: replace_answer(source, v.answer, v.code) for student, v in variants.items()}
        results, _ = grade_notebooks(chapter.root, chapter, submissions, tmp_path_factory.mktemp(chapter.id),
                                      jobs=os.cpu_count() or 1)
        _cohorts[chapter.id] = (results, variants, autograded_points(source))
    return _cohorts[chapter.id]


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
    ungraded = [f"{v.name}: {results[s].error}" for s, v in wrong.items() if results[s].error]
    assert ungraded == [], "mistakes must lose points in their tests, not by failing to be graded"
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
    lost = [f"{v.answer}: {v.name}: {results[s].score:g}/{points:g} {results[s].error} "
            f"{ {g: p for g, p in results[s].scores.items() if p[0] < p[1]} }"
            for s, v in right.items() if results[s].score != points or results[s].stderr_cells]
    assert lost == [], "right answers that lose points:\n" + "\n".join(lost)
