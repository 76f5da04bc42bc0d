"""`course grade --scheduler tcp://HOST:PORT` on a real dask.distributed cluster: a scheduler and
two workers started as separate processes on 127.0.0.1, each worker in a temporary folder of
its own, grade a small cohort of every chapter with the same scores as the local pool (the right
answers' scores being known, full marks in every test cell, only the wrong ones are graded
locally as well)."""
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from course.cohort import submissions
from course.grade import grade_submissions
from tests.conftest import CHAPTERS, ROOT
from tests.warm_workers import warm_workers

STUDENTS = ("ada", "ben")  # right, and wrong in the catalogue's ways (course.cohort)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """The scheduler's address, while a scheduler and two one-thread workers run."""
    dask = str(Path(sys.executable).parent / "dask")
    address = f"tcp://127.0.0.1:{_free_port()}"
    started = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                                 "--no-dashboard"], cwd=tmp_path_factory.mktemp("scheduler"),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    for index in range(2):
        folder = tmp_path_factory.mktemp(f"worker{index}")
        started.append(subprocess.Popen([dask, "worker", address, "--nworkers", "1", "--nthreads", "1",
                                         "--local-directory", str(folder), "--no-dashboard"], cwd=folder,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process in reversed(started):
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _course(folder: Path, students=STUDENTS) -> Path:
    folder.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    for chapter in CHAPTERS:
        shutil.copytree(chapter.source.parent, folder / "source" / chapter.id)
        cohort = submissions(chapter)
        for student in students:
            (folder / "submitted" / student / chapter.id).mkdir(parents=True)
            nbformat.write(cohort[student], folder / "submitted" / student / chapter.id / f"{chapter.id}.ipynb")
    return folder


def test_a_dask_cluster_grades_every_chapter_as_the_local_pool_does(cluster, tmp_path):
    start = time.perf_counter()
    remote = grade_submissions(_course(tmp_path / "remote"), scheduler=cluster, progress=False)
    # The local pool grades only the wrong answers: the right ones' scores are known, every
    # test cell full (asserted below), and a notebook less per chapter keeps the suite short.
    local = grade_submissions(_course(tmp_path / "local", ["ben"]), executor=warm_workers(), progress=False)
    assert len(remote) == len(STUDENTS) * len(CHAPTERS), time.perf_counter() - start
    assert {(o.student, o.assignment): o.status for o in remote} == {(o.student, o.assignment): "graded" for o in remote}
    assert {(o.student, o.assignment): o.scores for o in remote if o.student == "ben"} == \
        {(o.student, o.assignment): o.scores for o in local}
    by_key = {(o.student, o.assignment): o for o in remote}
    for chapter in CHAPTERS:  # the scores are not trivially equal: the wrong answers lost points
        right, wrong = by_key["ada", chapter.id], by_key["ben", chapter.id]
        assert right.scores.keys() == wrong.scores.keys(), chapter.id  # no test cell missing
        assert right.scores and all(score == top > 0 for score, top in right.scores.values()), chapter.id
        assert right.score == right.max_score > wrong.score, chapter.id
    # The merge stage wrote the graded notebooks in the instructor's course, not the workers'.
    assert all((tmp_path / "remote" / "autograded" / s / c.id / f"{c.id}.ipynb").exists()
               for s in STUDENTS for c in CHAPTERS)
