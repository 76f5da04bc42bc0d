"""course.gradebook: a new gradebook gets nbgrader's own stamp, the head revision of its database
schema, without nbgrader's start of the ``alembic heads`` program."""
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from nbgrader.dbutil import _temp_alembic_ini

from course.gradebook import Gradebook, alembic_head
from course.nbgrader_run import NBGRADER_MAIN

PLAIN_NBGRADER_MAIN = "import course; from nbgrader.apps.nbgraderapp import main; main()"


def stamp(database: Path) -> str:
    with sqlite3.connect(database) as db:
        [(version,)] = db.execute("SELECT version_num FROM alembic_version").fetchall()
    return version


def test_the_stamp_is_the_head_that_alembic_heads_prints():
    """nbgrader's own way (``nbgrader.api.get_alembic_version``): the program, on its scripts."""
    with _temp_alembic_ini("sqlite:////nonexistent/gradebook.db") as ini:
        printed = subprocess.check_output([Path(sys.executable).parent / "alembic", "-c", ini, "heads"], text=True)
    assert alembic_head() == printed.split()[0]


def test_an_nbgrader_command_makes_a_new_gradebook_without_the_program(tmp_path):
    """With an ``alembic`` that fails first on PATH, nbgrader started as the course starts it
    makes a new gradebook stamped with the head; started plainly, it runs that program and fails."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "alembic").write_text("#!/bin/sh\necho 'not this program' >&2\nexit 3\n")
    (fake / "alembic").chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}{os.pathsep}/usr/bin{os.pathsep}/bin"}
    for name, main in [("course", NBGRADER_MAIN), ("plain", PLAIN_NBGRADER_MAIN)]:
        (tmp_path / name).mkdir()
        done = subprocess.run([sys.executable, "-c", main, "db", "student", "add", "ada"], cwd=tmp_path / name,
                              env=env, capture_output=True, text=True)
        assert (done.returncode == 0) == (name == "course"), done.stdout[-2000:] + done.stderr[-2000:]
    assert "not this program" in done.stderr
    database = tmp_path / "course" / "gradebook.db"
    assert stamp(database) == alembic_head()
    with Gradebook(f"sqlite:///{database}") as gradebook:
        assert [s.id for s in gradebook.students] == ["ada"]


def test_the_seeded_gradebook_carries_the_same_stamp(tmp_path):
    from course.nbgrader_run import seed_gradebook

    seed_gradebook(tmp_path / "gradebook.db")
    assert stamp(tmp_path / "gradebook.db") == alembic_head()
