"""Intake alone (``course.intake``, no grading): what it repairs in a submission folder and what
it says about it. ``tests/test_course_grade.py`` grades the same kinds through nbgrader."""
import codecs
import os

import nbformat
import pytest

from course.intake import decode_name, grade_id, read_folder, repair, write_staged
from course.notebooks import find_chapters
from tests.conftest import ROOT
from tests.fixtures.submissions import (BAD_TIMESTAMP, MSE_WRONG, WINDOWS_ZIP_NAME, _pasted_twice, _vscode_stripped,
                                        encoded, solved_release)

CHAPTER = find_chapters(ROOT, ["ch01_linear_regression"])[0]
RELEASE = nbformat.read(CHAPTER.release, as_version=4)
SOURCE = nbformat.read(CHAPTER.source, as_version=4)
SOLVED = solved_release(CHAPTER)


def labelled(nb):
    """grade id -> source of every cell that has one."""
    return {grade_id(c): c.source for c in nb.cells if grade_id(c)}


def submit(tmp_path, nb=SOLVED, **files: bytes):
    folder = tmp_path / "submitted" / "ann" / CHAPTER.id
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{CHAPTER.id}.ipynb")
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def test_stripped_metadata_goes_back_to_the_cells_that_hold_each_answer():
    stripped = _vscode_stripped(SOLVED)
    scratch = nbformat.v4.new_code_cell("print('trying things out')")  # a cell the student added
    stripped.cells.insert(next(i for i, c in enumerate(stripped.cells) if "def design_matrix" in c.source), scratch)
    notes = repair(stripped, RELEASE)
    assert labelled(stripped) == labelled(SOLVED)
    assert [grade_id(c) for c in stripped.cells if grade_id(c)] == [grade_id(c) for c in RELEASE.cells if grade_id(c)]
    assert "nbgrader" not in scratch.metadata
    assert notes == ["nbgrader metadata was missing from 28 cells; restored from the release (28 by their order and content)"]


def test_metadata_naming_no_cell_of_the_release_is_matched_again():
    damaged = nbformat.from_dict(SOLVED)
    mse = next(c for c in damaged.cells if grade_id(c) == "mse")
    mse.metadata["nbgrader"] = {"grade_id": "mse (copy)", "solution": True}
    notes = repair(damaged, RELEASE)
    assert labelled(damaged) == labelled(SOLVED) and mse.metadata["nbgrader"]["grade_id"] == "mse"
    assert any("named no cell of the release" in n for n in notes)


def test_a_notebook_that_is_not_the_assignment_says_so_in_plain_words():
    other = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell("hi")])
    notes = repair(other, RELEASE)
    assert "answer cell 'mse' could not be found (its nbgrader metadata is gone and no cell sits where the release " \
           "has it); its tests ran on whatever the notebook defines" in notes


@pytest.mark.parametrize("upper, lower", [(MSE_WRONG, "right"), ("right", MSE_WRONG)])
def test_of_an_answer_pasted_twice_the_copy_the_tests_ran_after_is_graded(upper, lower):
    right = next(c for c in SOLVED.cells if grade_id(c) == "mse").source
    nb = _pasted_twice(SOLVED, right if upper == "right" else upper, right if lower == "right" else lower)
    count = len(nb.cells)
    notes = repair(nb, RELEASE)
    assert len(nb.cells) == count  # both copies run, as for the student
    assert labelled(nb)["mse"] == (right if lower == "right" else lower)
    assert len({c.id for c in nb.cells}) == count
    assert any(n.startswith("answer cell 'mse' appears 2 times; graded the copy the tests ran after") for n in notes)


def test_file_names_are_bytes_and_odd_ones_are_decoded_and_reported(tmp_path):
    folder = submit(tmp_path)
    with open(os.path.join(os.fsencode(folder), WINDOWS_ZIP_NAME), "wb") as data:
        data.write(b"1;2\n")
    os.symlink("/etc/hostname", folder / "link.txt")
    staged = read_folder(folder, CHAPTER.id, RELEASE, SOURCE)
    assert staged.problem == "" and staged.files == {"données.csv": b"1;2\n"}
    assert staged.notes == ["the file name 'donn\\x82es.csv' is not UTF-8 (as Windows' zip writes names); "
                            "staged as 'données.csv'", "'link.txt' is a symbolic link; left out"]
    write_staged(staged, tmp_path / "staged")
    assert sorted(p.name for p in (tmp_path / "staged").iterdir()) == [f"{CHAPTER.id}.ipynb", "données.csv"]
    assert decode_name("données.csv".encode()) == "données.csv"


@pytest.mark.parametrize("stamp, kept", [("2024-03-05 23:59:58.460007 UTC", True), ("", True),
                                          (BAD_TIMESTAMP, False), ("yesterday evening", False)])
def test_a_timestamp_nbgrader_cannot_read_is_dropped_and_reported(tmp_path, stamp, kept):
    staged = read_folder(submit(tmp_path, **{"timestamp.txt": stamp.encode()}), CHAPTER.id, RELEASE, SOURCE)
    assert ("timestamp.txt" in staged.files) == kept
    assert bool(staged.notes) != kept
    assert all("whether it was late is unknown" in n for n in staged.notes)


def test_a_notebook_holding_bytes_that_are_not_utf8_is_read_with_a_note(tmp_path):
    folder = submit(tmp_path)
    path = folder / f"{CHAPTER.id}.ipynb"
    path.write_bytes(path.read_bytes().replace(b"Linear regression", b"Linear \xff regression", 1))
    staged = read_folder(folder, CHAPTER.id, RELEASE, SOURCE)
    assert staged.problem == "" and labelled(staged.notebook) == labelled(SOLVED)
    assert staged.notes == ["the notebook file holds bytes that are not UTF-8; they were replaced by \N{REPLACEMENT CHARACTER}"]


def test_windows_line_endings_neither_hide_cells_nor_read_as_edits(tmp_path):
    stripped = _vscode_stripped(SOLVED)
    for cell in stripped.cells:
        cell.source = cell.source.replace("\n", "\r\n")
    staged = read_folder(submit(tmp_path, stripped), CHAPTER.id, RELEASE, SOURCE)
    assert set(labelled(staged.notebook)) == set(labelled(SOLVED))
    assert staged.notes == ["nbgrader metadata was missing from 28 cells; restored from the release "
                            "(28 by their order and content)"]


def test_a_folder_name_that_is_not_text_is_reported_and_odd_file_names_are_hashed(tmp_path):
    from course.grade import submission_digest

    student = os.fsdecode(b"jos\x82")  # a student folder unpacked from a Windows zip
    odd = tmp_path / "submitted" / student / CHAPTER.id
    odd.mkdir(parents=True)
    digest, problem = submission_digest(odd)
    assert digest == "" and problem == ("the folder name submitted/jos\\x82/ch01_linear_regression is not UTF-8 "
                                        "text; rename it to the student's id and the assignment's")
    folder = submit(tmp_path)
    with open(os.path.join(os.fsencode(folder), WINDOWS_ZIP_NAME), "wb") as data:
        data.write(b"1;2\n")
    digest, problem = submission_digest(folder)
    assert problem == "" and len(digest) == 64


@pytest.mark.parametrize("mark, encoding", [(b"", "utf-8-sig"), (b"", "utf-16"), (b"", "utf-32"),
                                            (codecs.BOM_UTF16_BE, "utf-16-be"), (b"", "utf-16-le")])
def test_a_notebook_in_an_encoding_json_allows_is_read_as_it_is(tmp_path, mark, encoding):
    """UTF-8 with a byte-order mark, UTF-16 and UTF-32 with theirs (either byte order), CRLF line
    ends: read without a note. UTF-16 without a mark ("utf-16-le") is not a notebook any Jupyter
    tool reads: it stays "not a valid notebook", saying so."""
    folder = submit(tmp_path)
    (folder / f"{CHAPTER.id}.ipynb").write_bytes(mark + encoded(SOLVED, encoding))
    staged = read_folder(folder, CHAPTER.id, RELEASE, SOURCE)
    if encoding == "utf-16-le":
        assert "is not a valid notebook" in staged.problem
    else:
        assert staged.problem == "" and staged.notes == [] and labelled(staged.notebook) == labelled(SOLVED)
