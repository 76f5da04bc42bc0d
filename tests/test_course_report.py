"""Feedback without hidden tests, grades export, the HTML report and the demo cohort, on a small
cohort of chapter 1 graded by real `nbgrader autograde` in a scratch course."""
import base64
import csv
import html
import json
import re
import shutil

import nbformat
import pytest
from nbconvert import HTMLExporter
from nbgrader.api import Gradebook

from course.cohort import PROFILES, answer_ids, solution_code, submissions
from course.feedback import generate_feedback
from course.grading import COURSE_ID, autograde, replace_answer, scratch_course, submit
from course.notebooks import HIDDEN_BEGIN, HIDDEN_END, find_chapters
from course.pipeline import export_grades
from course.report import write_report
from tests.conftest import ROOT

CHAPTER = "ch01_linear_regression"
WRONG_MSE = "def mse(y_true, y_pred):\n    return float(np.sum((y_true - y_pred) ** 2))\n"
# What reports/grading.json says of each student (the grading pipeline writes it).
REVIEW_REASON = "suspicious code: answer cell 'mse' line 1: opens a file"


@pytest.fixture(scope="module")
def chapter():
    return find_chapters(ROOT, [CHAPTER])[0]


@pytest.fixture(scope="module")
def course(chapter, tmp_path_factory):
    """A scratch course where ada submitted the solution, ben a wrong mse, eve the blank
    release; graded, with the grading.json a grading run would write."""
    course = scratch_course(ROOT, [chapter], tmp_path_factory.mktemp("course"))
    source = nbformat.read(chapter.source, as_version=4)
    submit(course, "ada", CHAPTER, chapter.source)
    submit(course, "ben", CHAPTER, replace_answer(source, "mse", WRONG_MSE))
    submit(course, "eve", CHAPTER, chapter.release)
    results = autograde(course, CHAPTER)
    assert all(r.error == "" for r in results.values())
    outcomes = [{"student": s, "assignment": CHAPTER, "status": "graded", "score": r.score,
                 "max_score": r.max_score, "scores": r.scores, "reason": "",
                 "needs_review": [REVIEW_REASON] if s == "ben" else [], "seconds": 4.0 + i}
                for i, (s, r) in enumerate(sorted(results.items()))]
    (course / "reports").mkdir()
    (course / "reports" / "grading.json").write_text(json.dumps(outcomes))
    return course


def visible_text(page: str) -> str:
    """The text a reader sees in an HTML page: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def hidden_lines(chapter) -> list[str]:
    """Every code line of the hidden tests that a student never sees in the release."""
    source = nbformat.read(chapter.source, as_version=4)
    release = nbformat.read(chapter.release, as_version=4)
    seen = {line.strip() for cell in release.cells for line in cell.source.splitlines()}
    lines = []
    for cell in source.cells:
        for region in re.findall(f"{HIDDEN_BEGIN}(.*?){HIDDEN_END}", cell.source, flags=re.S):
            lines += [l.strip() for l in region.splitlines()
                      if l.strip() and not l.strip().startswith("#") and l.strip() not in seen]
    return lines


def test_feedback_shows_failures_but_no_hidden_test(course, chapter):
    written = generate_feedback(course)
    assert {p.parent.parent.name for p in written} == {"ada", "ben", "eve"}
    text = visible_text((course / "feedback" / "ben" / CHAPTER / f"{CHAPTER}.html").read_text())
    # The failure messages of mse's visible and hidden tests: what was checked, expected, got.
    assert "mse([1, 2, 3], [1, 2, 5])" in text
    assert "mse of arrays of shape (50,), entries of size 1: expected" in text
    assert "CheckFailed" in text and "hidden tests: not shown" in text
    lines = hidden_lines(chapter)
    assert len(lines) > 50
    leaked = [line for line in lines if line in text]
    assert leaked == []


def test_without_the_preprocessor_the_hidden_tests_would_show(course, chapter):
    """The check above can fail: nbgrader's plain HTML of the same graded notebook shows them."""
    graded = nbformat.read(course / "autograded" / "ben" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    text = visible_text(HTMLExporter().from_notebook_node(graded)[0])
    assert sum(line in text for line in hidden_lines(chapter)) > 50


def test_export_writes_the_gradebook_scores(course):
    path = export_grades(course)
    rows = {row["student_id"]: row for row in csv.DictReader(path.open())}
    assert set(rows) == {"ada", "ben", "eve"}
    assert float(rows["ada"]["score"]) == 26 and float(rows["eve"]["score"]) == 0
    assert 0 < float(rows["ben"]["score"]) < 26


def test_report_sections_and_numbers_match_the_gradebook(course):
    page = write_report(course).read_text()
    text = visible_text(page)
    for title in ["Scores", "Score distribution per chapter", "Pass rate per test (hardest first)",
                  "Grading time per notebook", "Needs a human look"]:
        assert f"<h2>{title}</h2>" in page
    # Self-contained: every image is an embedded PNG, nothing is fetched.
    images = re.findall(r'<img[^>]*src="([^"]+)"', page)
    assert len(images) == 3 and all(src.startswith("data:image/png;base64,") for src in images)
    assert all(base64.b64decode(src.split(",", 1)[1])[:4] == b"\x89PNG" for src in images)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        totals = {}
        passed = {}
        for student in ["ada", "ben", "eve"]:
            grades = [g for g in gb.find_submission_notebook(CHAPTER, CHAPTER, student).grades
                      if g.cell_type == "code"]
            totals[student] = (sum(g.score for g in grades), sum(g.max_score for g in grades))
            for g in grades:
                passed.setdefault(g.name, []).append(g.score == g.max_score)
    for student, (score, full) in totals.items():
        assert f"{student}{score:g} / {full:g}" in text
    rates = {name: round(100 * sum(p) / len(p)) for name, p in passed.items()}
    rows = re.findall(rf"{CHAPTER}(test_\w+?)(\d+)%3", text)
    assert {name: int(rate) for name, rate in rows} == rates
    assert [int(rate) for _, rate in rows] == sorted(rates.values())  # hardest first
    assert "ben" in text.split("Needs a human look", 1)[1] and REVIEW_REASON in text


def test_cohort_profiles(chapter):
    cohort = submissions(chapter)
    assert set(cohort) == set(PROFILES)
    source = nbformat.read(chapter.source, as_version=4)
    release = nbformat.read(chapter.release, as_version=4)
    answers = answer_ids(release)
    code = {name: {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells if "nbgrader" in c.metadata}
            for name, nb in cohort.items()}
    right = {c.metadata["nbgrader"]["grade_id"]: solution_code(c.source) for c in source.cells
             if c.metadata.get("nbgrader", {}).get("grade_id") in answers}
    assert all(code["ada"][a] == right[a] and "SOLUTION" not in right[a] for a in answers)
    assert sum(code["ben"][a] != right[a] for a in answers) == 3
    assert 1 <= sum(code["dev"][a] != right[a] for a in answers)
    assert all("NotImplementedError" in code["eve"][a] for a in answers)
    assert sum("NotImplementedError" in code["finn"][a] for a in answers) == len(answers) - len(answers) // 2
    # No student's copy holds the hidden tests (they are made from the release).
    assert all(HIDDEN_BEGIN not in cell.source for nb in cohort.values() for cell in nb.cells)


def test_cohort_command_writes_nbgrader_layout(tmp_path, chapter):
    from course.cohort import make_cohort

    for folder in ["source", "release"]:
        shutil.copytree(ROOT / folder / CHAPTER, tmp_path / folder / CHAPTER)
    written = make_cohort(tmp_path)
    assert written == {CHAPTER: PROFILES}
    for student in PROFILES:
        nbformat.validate(nbformat.read(tmp_path / "submitted" / student / CHAPTER / f"{CHAPTER}.ipynb",
                                        as_version=4))


def test_demo_summary_marks_who_needs_a_look():
    from course.grade import GradeOutcome
    from course.pipeline import summary

    outcomes = [GradeOutcome("ada", "ch01", "graded", 26, 26),
                GradeOutcome("ivan", "ch01", "graded", 23, 26, needs_review=["answer cell 'mse' line 2: opens a file"]),
                GradeOutcome("ivan", "ch02", "not graded", 0, 18, reason="the kernel died")]
    lines = summary(outcomes).splitlines()
    assert lines[0].split() == ["student", "ch01", "ch02"]
    assert lines[2].split() == ["ada", "26/26", "—"]
    assert lines[3].split() == ["ivan", "23/26", "*", "0/18", "*"]
    assert "  ivan / ch01 (graded): answer cell 'mse' line 2: opens a file" in lines
    assert "  ivan / ch02 (not graded): the kernel died" in lines


def test_demo_summary_labels_long_chapter_ids_by_their_prefix():
    from course.grade import GradeOutcome
    from course.pipeline import summary

    chapters = ["ch01_linear_regression", "ch07_dropout_early_stopping"]
    lines = summary([GradeOutcome("ada", c, "graded", 10, 10) for c in chapters]).splitlines()
    assert lines[0].split() == ["student", "ch01", "ch07"] and len(lines[0]) < 40
    assert lines[2].split() == ["ada", "10/10", "10/10"]
    assert lines[-2:] == ["ch01: ch01_linear_regression", "ch07: ch07_dropout_early_stopping"]
