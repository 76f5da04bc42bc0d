"""`course check`: what must hold of every source notebook before it is built or released."""
from __future__ import annotations

from collections import Counter

import nbformat
from nbgrader.nbgraderformat import MetadataValidator, SchemaTooNewError, SchemaTooOldError, ValidationError

from .notebooks import (HIDDEN_BEGIN, HIDDEN_END, SOLUTION_BEGIN, SOLUTION_END, Chapter,
                        NotebookError, grade_cells, in_step, nbgrader_cells)


def read_source(chapter: Chapter):
    """The chapter's source notebook; a clear ``NotebookError`` when it is missing or malformed."""
    if not chapter.source.exists():
        raise NotebookError(f"{chapter.id}: {chapter.source.name} is missing (run `python -m course sync`)")
    try:
        return nbformat.read(chapter.source, as_version=4)
    except Exception as error:  # nbformat raises several types for unreadable JSON
        raise NotebookError(f"{chapter.id}: {chapter.source.name} is not a valid notebook: {error}") from error


def _delimiters_balanced(source: str, begin: str, end: str) -> bool:
    """Each ``begin`` closed by an ``end`` before the next ``begin``, none left open."""
    depth = 0
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == begin:
            depth += 1
            if depth > 1:
                return False
        elif stripped == end:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def problems(chapter: Chapter) -> list[str]:
    """Every problem found in one chapter's sources; empty when all is well."""
    found = []
    if chapter.text.exists() and not in_step(chapter):
        found.append(f"{chapter.source.name} is out of step with {chapter.text.name} (run `python -m course sync`)")
    nb = read_source(chapter)
    try:
        MetadataValidator().validate_nb(nb)
    except (ValidationError, SchemaTooOldError, SchemaTooNewError) as error:
        found.append(f"nbgrader metadata: {error}")
    ids = Counter(c.metadata["nbgrader"].get("grade_id") for c in nbgrader_cells(nb))
    found += [f"grade_id {gid!r} is used by {n} cells" for gid, n in ids.items() if n > 1]
    for cell in grade_cells(nb):
        meta = cell.metadata["nbgrader"]
        if not (meta.get("points") or 0) > 0:
            found.append(f"grade cell {meta['grade_id']!r} has no points")
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", f"an unmarked {cell.cell_type} cell")
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
            found.append(f"cell {gid!r} has outputs: sources are committed without outputs")
        if SOLUTION_BEGIN in cell.source or SOLUTION_END in cell.source:
            if not meta.get("solution"):
                found.append(f"cell {gid!r} has solution delimiters but is not an answer cell")
            elif not _delimiters_balanced(cell.source, SOLUTION_BEGIN, SOLUTION_END):
                found.append(f"cell {gid!r}: unbalanced {SOLUTION_BEGIN} / {SOLUTION_END}")
        if HIDDEN_BEGIN in cell.source or HIDDEN_END in cell.source:
            if not (meta.get("grade") and not meta.get("solution")):
                found.append(f"cell {gid!r} has hidden tests but is not a test cell")
            elif not _delimiters_balanced(cell.source, HIDDEN_BEGIN, HIDDEN_END):
                found.append(f"cell {gid!r}: unbalanced {HIDDEN_BEGIN} / {HIDDEN_END}")
    found += _missing_tests(nb)
    return found


def _missing_tests(nb) -> list[str]:
    """Every autograded answer cell ``X`` needs test cells ``test_X_visible`` and ``test_X_hidden``."""
    test_ids = {c.metadata["nbgrader"]["grade_id"]: c for c in grade_cells(nb) if c.cell_type == "code"}
    found = []
    for cell in nbgrader_cells(nb):
        meta = cell.metadata["nbgrader"]
        if cell.cell_type != "code" or not meta.get("solution") or meta.get("grade"):
            continue
        answer = meta["grade_id"]
        if f"test_{answer}_visible" not in test_ids:
            found.append(f"answer {answer!r} has no visible test cell test_{answer}_visible")
        hidden = test_ids.get(f"test_{answer}_hidden")
        if hidden is None or HIDDEN_BEGIN not in hidden.source:
            found.append(f"answer {answer!r} has no hidden test cell test_{answer}_hidden")
    return found
