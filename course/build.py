"""`course build`: the student release and the executed solutions, both through nbgrader."""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbgrader.preprocessors import ClearHiddenTests

from . import check
from .grading import scratch_course
from .nbgrader_run import generate_assignment, run_nbgrader
from .notebooks import Chapter, NotebookError


def build(chapter: Chapter) -> None:
    """Check the sources, then write ``release/<id>/`` and the executed ``solutions/<id>/``."""
    found = check.problems(chapter)
    if found:
        raise NotebookError(f"{chapter.id}: fix the sources first:\n  - " + "\n  - ".join(found))
    generate_assignment(chapter.root, chapter.id)
    run_nbgrader(chapter.root, "generate_solution", chapter.id, "--force")
    solution = nbformat.read(chapter.solution, as_version=4)
    failed = error_cells(solution)
    if failed:
        raise NotebookError(f"{chapter.id}: the solution raised errors in cells {failed}")
    nbformat.write(without_widget_state(solution), chapter.solution)


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = "(an interactive widget: run the notebook to use it)"


def without_widget_state(nb):
    """``nb`` without the widgets' saved state, which gets new random ids at every execution
    (so every rebuild would change the committed solutions) and is not interactive anyway."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if WIDGET_VIEW in output.get("data", {}):
                output["data"] = {"text/plain": WIDGET_NOTE}
    return nb


def error_cells(nb) -> list[str]:
    """Cells (by grade id or position) whose outputs hold an error."""
    return [cell.metadata.get("nbgrader", {}).get("grade_id", f"#{i}")
            for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and any(o.get("output_type") == "error" for o in cell.outputs)]


def solution_sources(source_nb) -> list[tuple[str, str]]:
    """(cell type, source) of every cell the solutions notebook must show: the source's
    cells with the hidden tests removed, by nbgrader's own preprocessor."""
    nb = nbformat.from_dict(source_nb)
    nb, _ = ClearHiddenTests().preprocess(nb, {})
    return [(cell.cell_type, cell.source) for cell in nb.cells]


def solutions_in_step(chapter: Chapter) -> bool:
    """Whether the committed solutions show exactly the current source's cells."""
    if not chapter.solution.exists():
        return False
    shown = nbformat.read(chapter.solution, as_version=4)
    want = solution_sources(nbformat.read(chapter.source, as_version=4))
    return [(c.cell_type, c.source) for c in shown.cells] == want


def release_in_step(chapter: Chapter, scratch: Path) -> bool:
    """Whether the committed release equals what nbgrader generates from the current source,
    regenerated in the scratch course folder ``scratch``."""
    fresh = scratch_course(chapter.root, [chapter], scratch) / "release" / chapter.id / f"{chapter.id}.ipynb"
    return chapter.release.exists() and chapter.release.read_text() == fresh.read_text()
