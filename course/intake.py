"""Intake: read whatever a student's tool wrote into ``submitted/<student>/<assignment>/`` and
repair it into a notebook nbgrader can grade, with notes a person can act on.

Pure functions, bytes in and data out: :func:`read_folder` takes a folder and the assignment's
release and source notebooks and returns a :class:`Staged` submission (its files by name, the
repaired notebook, or the plain-words reason it cannot be graded, and the notes);
:func:`write_staged` puts it in a folder for nbgrader. What is repaired, each a kind seen in
real submissions:

- file names that are not UTF-8 (Windows' zip writes them in an OEM code page);
- a ``timestamp.txt`` nbgrader cannot parse (nbgrader 0.9 crashes on it): dropped, so the
  submission is graded with its lateness unknown;
- a notebook under another name, or bytes that are not UTF-8 inside it;
- nbgrader cell metadata stripped or damaged by an editor, with or without cell ids: put back
  from the release by cell id, else by the cells' order and content;
- an answer cell pasted twice: the copy the student ran before the tests is graded.
"""
from __future__ import annotations

import codecs

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

from .notebooks import is_test
from .review import suspicious

TIMESTAMP = "timestamp.txt"
# Windows' built-in zip stores names in the OEM code page (850 in Western Europe, 437 in the
# US; both map é to 0x82): the usual way a name that is not UTF-8 reaches Linux.
LEGACY_NAME_CODEC = "cp850"


@dataclass
class Staged:
    """One submission as intake leaves it.

    ``files`` maps each staged file's relative path (str, "/"-separated) to its bytes;
    ``notebook`` is the repaired ``<assignment>.ipynb`` (None when ``problem`` says why there is
    none); ``notes`` are for a human reviewing the grade."""

    assignment: str
    files: dict[str, bytes] = field(default_factory=dict)
    notebook: nbformat.NotebookNode | None = None
    problem: str = ""
    notes: list[str] = field(default_factory=list)


def read_folder(folder: Path, assignment: str, release, source) -> Staged:
    """Read the submission ``folder`` of ``assignment`` and repair it against the assignment's
    ``release`` (student) and ``source`` (instructor) notebooks. Never raises for anything the
    folder holds: what cannot be graded is said in ``Staged.problem``."""
    staged = Staged(assignment)
    staged.files, staged.notes = read_files(folder)
    staged.notes += check_timestamp(staged.files)
    name, notes = pick_notebook(staged.files, assignment)
    if name is None:
        staged.problem = notes[0]
        return staged
    staged.notes += notes
    raw = staged.files.pop(name)
    try:
        staged.notebook, notes = parse_notebook(raw)
    except Exception as error:  # nbformat raises several kinds for a file that is not a notebook
        staged.problem = f"{name} is not a valid notebook ({type(error).__name__}: {error})"[:300]
        return staged
    staged.notes += notes
    staged.notes += repair(staged.notebook, release)
    staged.notes += suspicious(staged.notebook, source)
    return staged


def write_staged(staged: Staged, dest: Path) -> None:
    """Write a gradable ``staged`` submission into the folder ``dest`` (created)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name, data in staged.files.items():
        path = dest / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    nbformat.write(staged.notebook, dest / f"{staged.assignment}.ipynb")


# ---------------------------------------------------------------- files

def read_files(folder: Path) -> tuple[dict[str, bytes], list[str]]:
    """Every regular file under ``folder`` by relative name, and notes on the names that had to
    change. File names are bytes on Linux: one that is not UTF-8 is read in the code page of
    Windows' zip; symbolic links are left out (they may point anywhere on the grader's disk)."""
    files, notes = {}, []
    top = os.fsencode(folder)
    for here, dirs, names in os.walk(top):
        dirs.sort()
        for raw in sorted(names):
            path = os.path.join(here, raw)
            relative = os.path.relpath(path, top)
            shown = relative.decode("utf-8", "backslashreplace")
            if os.path.islink(path):
                notes.append(f"'{shown}' is a symbolic link; left out")
                continue
            if not os.path.isfile(path):
                continue
            name = decode_name(relative)
            if name != relative.decode("utf-8", "replace"):
                notes.append(f"the file name '{shown}' is not UTF-8 (as Windows' zip writes names); "
                             f"staged as '{name}'")
            if name in files:
                notes.append(f"two files are named {name!r} once decoded; kept one")
                continue
            with open(path, "rb") as handle:
                files[name] = handle.read()
    return files, notes


def decode_name(raw: bytes) -> str:
    """A file name's bytes as text: UTF-8 when they are, else the legacy zip code page."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode(LEGACY_NAME_CODEC)


def check_timestamp(files: dict[str, bytes]) -> list[str]:
    """Drop a ``timestamp.txt`` that nbgrader cannot read (it would stop on it); the notes."""
    from nbgrader.utils import parse_utc

    if TIMESTAMP not in files:
        return []
    text = files[TIMESTAMP].decode("utf-8", "replace").strip()
    if not text:
        return []  # nbgrader reads an empty one as no timestamp
    try:
        parse_utc(text)
        return []
    except (ValueError, OverflowError):
        del files[TIMESTAMP]
        return [f"{TIMESTAMP} holds {text[:40]!r}, which is not a date and time nbgrader can read: "
                "graded without it, so whether it was late is unknown"]


def pick_notebook(files: dict[str, bytes], assignment: str) -> tuple[str | None, list[str]]:
    """The file holding the notebook to grade, and notes; (None, [why there is none])."""
    expected = f"{assignment}.ipynb"
    notebooks = sorted(n for n in files if n.endswith(".ipynb") and "/" not in n)
    name = expected if expected in notebooks else notebooks[0] if len(notebooks) == 1 else None
    if name is None:
        found = f"found {', '.join(notebooks)}" if notebooks else "no notebook at all"
        return None, [f"no {expected} in the submission ({found})"]
    notes = [] if name == expected else [f"the notebook was named {name}; graded as {expected}"]
    extra = [n for n in notebooks if n != name]
    if extra:
        notes.append(f"extra notebooks not graded: {', '.join(extra)}")
    return name, notes


# JSON may be UTF-8, UTF-16 or UTF-32 (RFC 8259 allows readers to skip a byte-order mark), and
# Windows editors and PowerShell write a mark that json and nbformat refuse. UTF-32's marks
# first: UTF-32-LE's begins with UTF-16-LE's.
_BYTE_ORDER_MARKS = [((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE), "utf-32"), ((codecs.BOM_UTF8,), "utf-8-sig"),
                     ((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE), "utf-16")]


def text_encoding(raw: bytes) -> str:
    """The encoding a notebook file's byte-order mark names (which the codec then drops), or UTF-8."""
    return next((codec for marks, codec in _BYTE_ORDER_MARKS if raw.startswith(marks)), "utf-8")


def parse_notebook(raw: bytes) -> tuple[nbformat.NotebookNode, list[str]]:
    """A notebook from its file's bytes (UTF-8, or the UTF-8, -16 or -32 a byte-order mark
    names); bytes that are not in that encoding are replaced, with a note."""
    encoding = text_encoding(raw)
    try:
        text, notes = raw.decode(encoding), []
    except UnicodeDecodeError:
        text = raw.decode(encoding, "replace")
        notes = ["the notebook file holds bytes that are not UTF-8; they were replaced by \N{REPLACEMENT CHARACTER}"]
    return nbformat.reads(text, as_version=4), notes


# ---------------------------------------------------------------- cells

def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def is_answer(meta: dict) -> bool:
    return bool(meta.get("solution"))


def repair(nb, release) -> list[str]:
    """Make the nbgrader metadata of ``nb`` (a student's notebook, changed in place) say what
    the ``release`` says, whatever the student's editor did to it. Returns notes."""
    known = {grade_id(c): c for c in release.cells if grade_id(c)}
    notes = drop_damaged(nb, known)
    by_id = restore_by_id(nb, release)
    by_place = restore_by_place(nb, release)
    if by_id or by_place:
        ways = [f"{n} by cell id" for n in [by_id] if n] + [f"{n} by their order and content" for n in [by_place] if n]
        notes.append(f"nbgrader metadata was missing from {by_id + by_place} cells; restored from the release "
                     f"({', '.join(ways)})")
    notes += missing_answers(nb, release)
    notes += keep_ran_copies(nb)
    unique_ids(nb)
    return notes


def drop_damaged(nb, known: dict) -> list[str]:
    """Remove nbgrader metadata that names no cell of the release (the cell is then matched
    like one whose metadata was stripped); give the cells it names the release's own metadata
    (their points and checksums)."""
    damaged = 0
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        name = meta.get("grade_id") if isinstance(meta, dict) else None
        if name in known:
            cell.metadata["nbgrader"] = dict(known[name].metadata["nbgrader"])
        else:
            damaged += bool(meta)
            del cell.metadata["nbgrader"]
    return [f"nbgrader metadata of {damaged} cells named no cell of the release; they were matched to it "
            "by their order and content"] if damaged else []


def restore_by_id(nb, release) -> int:
    """Put back, by cell id, the nbgrader metadata missing from cells of ``nb``; how many."""
    present = {grade_id(c) for c in nb.cells}
    by_id = {c.get("id"): c for c in release.cells if grade_id(c) and grade_id(c) not in present}
    restored = 0
    for cell in nb.cells:
        twin = by_id.get(cell.get("id")) if "nbgrader" not in cell.metadata else None
        if twin is not None and twin.cell_type == cell.cell_type:
            cell.metadata["nbgrader"] = dict(twin.metadata["nbgrader"])
            restored += 1
    return restored


def _content(cell) -> tuple[str, str]:
    """What identifies a cell that nobody should have edited: its type and its text, without
    differences in blank space (editors differ in line endings and trailing newlines)."""
    return cell.cell_type, " ".join(cell.source.split())


def restore_by_place(nb, release) -> int:
    """Put back the nbgrader metadata missing from cells of ``nb`` by aligning its cells with the
    release's: the cells nobody edits (instructions, tests, read-only code) by their content,
    and the answer cells by where they sit between those. Returns how many were restored."""
    present = {grade_id(c) for c in nb.cells}
    if all(grade_id(c) in present for c in release.cells if grade_id(c)):
        return 0
    matcher = difflib.SequenceMatcher(None, [_content(c) for c in release.cells],
                                      [_content(c) for c in nb.cells], autojunk=False)
    pairs = [(block.a + k, block.b + k) for block in matcher.get_matching_blocks() for k in range(block.size)]
    restored = 0
    for r, s in pairs:  # identical cells: tests and read-only cells
        restored += _adopt(nb.cells[s], release.cells[r], present)
    anchors = [(-1, -1)] + pairs + [(len(release.cells), len(nb.cells))]
    for (r0, s0), (r1, s1) in zip(anchors, anchors[1:]):  # answer cells between them
        candidates = [c for c in nb.cells[s0 + 1:s1] if "nbgrader" not in c.metadata]
        for answer in (c for c in release.cells[r0 + 1:r1] if is_answer(c.metadata.get("nbgrader", {}))):
            cell = _likeliest(candidates, answer)
            if cell is not None:
                candidates = candidates[candidates.index(cell) + 1:]
                restored += _adopt(cell, answer, present)
    return restored


def _likeliest(candidates: list, answer):
    """The cell among ``candidates`` (in order) that holds ``answer``'s response: of the same
    type, preferably one naming the answer's grade id (``def mse``), else the first."""
    same = [c for c in candidates if c.cell_type == answer.cell_type]
    named = [c for c in same if re.search(rf"\b{re.escape(grade_id(answer))}\b", c.source)]
    return (named or same or [None])[0]


def _adopt(cell, twin, present: set) -> int:
    """Give ``cell`` the metadata of the release cell ``twin`` unless ``nb`` already has it."""
    if "nbgrader" in cell.metadata or grade_id(twin) is None or grade_id(twin) in present:
        return 0
    cell.metadata["nbgrader"] = dict(twin.metadata["nbgrader"])
    present.add(grade_id(twin))
    return 1


def missing_answers(nb, release) -> list[str]:
    """Plain words on each answer cell of the release that the notebook no longer has."""
    present = {grade_id(c) for c in nb.cells}
    return [f"answer cell {grade_id(c)!r} could not be found (its nbgrader metadata is gone and no cell "
            "sits where the release has it); its tests ran on whatever the notebook defines"
            for c in release.cells if is_answer(c.metadata.get("nbgrader", {})) and grade_id(c) not in present]


def keep_ran_copies(nb) -> list[str]:
    """Leave one cell per grade id (nbgrader grades one) without dropping any cell: the others
    run as ordinary cells, as they did for the student. Of an answer cell pasted twice, the
    graded copy is the lowest one above the first test cell below the first copy (the one the
    tests ran after); of a test or read-only cell, the first. Returns notes."""
    notes = []
    positions: dict[str, list[int]] = {}
    for index, cell in enumerate(nb.cells):
        if grade_id(cell):
            positions.setdefault(grade_id(cell), []).append(index)
    tests = [i for i, c in enumerate(nb.cells) if is_test(c.metadata.get("nbgrader", {}))]
    for name, where in positions.items():
        if len(where) == 1:
            continue
        if is_answer(nb.cells[where[0]].metadata["nbgrader"]):
            first_test = next((t for t in tests if t > where[0]), len(nb.cells))
            keep = max(i for i in where if i < first_test)
            notes.append(f"answer cell {name!r} appears {len(where)} times; graded the copy the tests ran after "
                         f"(cell {keep + 1} of the notebook), the others ran as ordinary cells")
        else:
            keep = where[0]
            notes.append(f"cell {name!r} appears {len(where)} times (graded once)")
        for index in where:
            if index != keep:
                del nb.cells[index].metadata["nbgrader"]
    return notes


def unique_ids(nb) -> None:
    """Give a fresh id to every cell whose id is missing or repeats an earlier one (copy and
    paste repeats them; nbformat 4.5 requires unique ids)."""
    if (nb.nbformat, nb.nbformat_minor) < (4, 5):
        return
    seen = set()
    for cell in nb.cells:
        if not cell.get("id") or cell["id"] in seen:
            cell["id"] = new_code_cell().id
        seen.add(cell["id"])
