"""Chapter 4's reference code reaches later chapters through one generated, read-only cell:
`course sync` fills a `reference_ch04` placeholder from chapter 4's answer cells (the only copy),
the code runs, every such cell in the course is in step, and a stale one is detected."""
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course.check import problems
from course.grading import scratch_course
from course.notebooks import (HIDDEN_BEGIN, SOLUTION_BEGIN, SOLUTION_END, Chapter, NotebookError, chapters,
                              in_step, notebook_from_text, sync)
from course.reference import ANSWERS, HEADER, PLACEHOLDER_ID, REFERENCE_CHAPTER, reference_cells, reference_code
from utils.gradcheck import check_module_gradients

ROOT = Path(__file__).resolve().parent.parent
LATER = "ch05_toy"
PLACEHOLDER = "# chapter 4's reference layers: written here by `python -m course sync`"
LATER_TEXT = f'''# %% [markdown]
# # A chapter after chapter 4

# %% nbgrader={{"locked": true, "grade_id": "setup"}}
import numpy as np

# %% nbgrader={{"locked": true, "grade_id": "{PLACEHOLDER_ID}"}}
{PLACEHOLDER}

# %% nbgrader={{"solution": true, "grade_id": "double"}}
def double(x):
    """Twice x."""
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION

# %% nbgrader={{"grade": true, "grade_id": "test_double_visible", "points": 1}}
assert double(2) == 4

# %% nbgrader={{"grade": true, "grade_id": "test_double_hidden", "points": 1}}
### BEGIN HIDDEN TESTS
assert double(-1) == -2
### END HIDDEN TESTS
'''


@pytest.fixture
def later(tmp_path):
    """A course folder holding chapter 4's text twin and a later toy chapter, synced."""
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    for chapter_id in (REFERENCE_CHAPTER, LATER):
        (tmp_path / "source" / chapter_id).mkdir(parents=True)
    shutil.copy(Chapter(REFERENCE_CHAPTER, ROOT).text, Chapter(REFERENCE_CHAPTER, tmp_path).text)
    chapter = Chapter(LATER, tmp_path)
    chapter.text.write_text(LATER_TEXT)
    sync(chapter)
    return chapter


def reference_source(path: Path) -> str:
    """The source of the one reference cell of the notebook at ``path``."""
    cells = reference_cells(nbformat.read(path, as_version=4))
    assert len(cells) == 1
    return cells[0].source


def solution_lines(chapter: Chapter) -> dict[str, list[str]]:
    """grade_id -> the lines between the solution delimiters of each of chapter 4's answers,
    read from its synced notebook (a path independent of course.reference)."""
    found = {}
    for cell in nbformat.read(chapter.source, as_version=4).cells:
        lines, inside = [], False
        for line in cell.source.splitlines():
            if line.strip() in (SOLUTION_BEGIN, SOLUTION_END):
                inside = line.strip() == SOLUTION_BEGIN
            elif inside:
                lines.append(line)
        if lines:
            found[cell.metadata["nbgrader"]["grade_id"]] = lines
    return found


def test_sync_fills_the_placeholder_with_chapter_4s_answers(later):
    code = reference_source(later.source)
    assert code == reference_code(later.root)
    assert code.startswith(HEADER)
    assert SOLUTION_BEGIN not in code and SOLUTION_END not in code and "NotImplementedError" not in code
    # Every solution line of every answer is there, answers in the order of ANSWERS.
    lines, position = code.splitlines(), 0
    answers = solution_lines(Chapter(REFERENCE_CHAPTER, ROOT))
    assert set(ANSWERS) <= set(answers)
    for name in ANSWERS:
        for line in answers[name]:
            position = lines.index(line, position) + 1
    # Nothing else changes: the other cells are the text twin's, and the twin keeps the placeholder.
    expected = notebook_from_text(LATER_TEXT)
    synced = nbformat.read(later.source, as_version=4)
    assert [c.source for c in synced.cells if c not in reference_cells(synced)] == \
        [c.source for c in expected.cells if c not in reference_cells(expected)]
    assert PLACEHOLDER in later.text.read_text() and "class Linear" not in later.text.read_text()
    assert sync(later) is False  # stable: a second sync writes nothing
    assert problems(later) == []


def test_the_filled_code_gives_working_layers(later):
    namespace = {}
    exec(compile(reference_source(later.source), "<reference_ch04>", "exec"), namespace)
    rng = np.random.default_rng(0)
    net = namespace["Sequential"](namespace["Linear"](3, 5, rng), namespace["Sigmoid"](),
                                  namespace["Linear"](5, 4, rng), namespace["ReLU"](),
                                  namespace["Linear"](4, 3, rng))
    assert max(check_module_gradients(net, rng.normal(size=(6, 3)), rng=rng).values()) < 1e-7

    X = rng.normal(size=(60, 3))
    y = (X @ rng.normal(size=(3, 3))).argmax(axis=1)  # labels a network can learn
    params, losses = net.parameters(), []
    for _ in range(30):
        loss, dlogits = namespace["softmax_cross_entropy"](net.forward(X), y)
        losses.append(loss)
        net.backward(dlogits)
        namespace["sgd_step"](params, net.gradients(), 0.5)
    assert losses[-1] < 0.8 * losses[0]
    loss, dpred = namespace["mse_loss"](np.ones((2, 2)), np.zeros((2, 2)))
    assert loss == 1.0 and np.allclose(dpred, 0.5)


def test_the_release_keeps_the_reference_cell(later, tmp_path):
    course = scratch_course(later.root, [later], tmp_path / "scratch")
    release = course / "release" / LATER / f"{LATER}.ipynb"
    assert reference_source(release) == reference_code(later.root)
    cell = reference_cells(nbformat.read(release, as_version=4))[0]
    assert cell.metadata["nbgrader"]["locked"] is True


def test_a_change_to_chapter_4_makes_the_later_chapter_stale(later):
    ch04_text = Chapter(REFERENCE_CHAPTER, later.root).text
    old, new = 'self.grads["b"] = dout.sum(axis=0)', 'self.grads["b"] = np.sum(dout, axis=0)'
    assert old in ch04_text.read_text()
    ch04_text.write_text(ch04_text.read_text().replace(old, new))
    assert not in_step(later)
    assert any("out of step" in p for p in problems(later))
    assert sync(later) is True
    assert new in reference_source(later.source) and old not in reference_source(later.source)
    assert problems(later) == []


def test_without_chapter_4_sync_says_why(later):
    Chapter(REFERENCE_CHAPTER, later.root).text.unlink()
    with pytest.raises(NotebookError, match=PLACEHOLDER_ID):
        sync(later)


@pytest.mark.parametrize("chapter", chapters(ROOT), ids=lambda c: c.id)
def test_every_reference_cell_of_the_course_is_in_step(chapter):
    code = reference_code(ROOT)
    for path in (chapter.source, chapter.release, chapter.solution):
        if path.exists():
            for cell in reference_cells(nbformat.read(path, as_version=4)):
                assert cell.source == code, f"{path.relative_to(ROOT)}: run `python -m course sync` and build"


def test_no_installed_package_holds_an_answer():
    """The packages `course` and `utils` contain no line of chapter 4's solutions or hidden
    tests (lines that also appear outside those regions, like a docstring, do not count)."""
    source = nbformat.read(Chapter(REFERENCE_CHAPTER, ROOT).source, as_version=4)
    inside, outside = set(), set()
    for cell in source.cells:
        region = False
        for line in cell.source.splitlines():
            stripped = line.strip()
            if stripped.startswith("### BEGIN") or stripped.startswith("### END"):
                region = stripped in (SOLUTION_BEGIN, HIDDEN_BEGIN)
            elif stripped:
                (inside if region else outside).add(stripped)
    secret = {line for line in inside - outside if len(line) >= 20}
    assert len(secret) > 20
    for package in ("course", "utils"):
        for path in (ROOT / package).rglob("*.py"):
            lines = {line.strip() for line in path.read_text().splitlines()}
            assert not (secret & lines), f"{path.relative_to(ROOT)} holds answer lines: {sorted(secret & lines)[:3]}"
