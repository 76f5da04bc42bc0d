"""The warm grading workers a test process shares."""
import atexit
import os

from course.engine import load_settings
from course.grade import local_pool
from tests.conftest import ROOT

_POOL: list = []


def warm_workers():
    """This test process's warm grading workers (``course.grade.local_pool``, one per core),
    started at the first call and kept until the process ends. As one ``course grade`` run grades
    every chapter in the same workers, so do the tests that grade with the engine as it is (not
    the tests of the workers themselves): each saves the start of the workers and of their warm
    kernels' process, seconds of CPU. Every task carries its own course's settings."""
    if _POOL and _POOL[0]._broken:  # a worker died: its pool takes no more tasks
        _POOL.pop().shutdown(wait=False)
    if not _POOL:
        _POOL.append(local_pool(os.cpu_count() or 1, {}, load_settings(ROOT)))
        atexit.register(_POOL[0].shutdown, cancel_futures=True)
    return _POOL[0]
