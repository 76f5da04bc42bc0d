"""Clean-up when a process of the grader ends, whatever kind of process it is."""
from multiprocessing.util import Finalize


def on_exit(callback, *args) -> None:
    """Call ``callback(*args)`` when this process ends normally.

    ``atexit`` is not enough: the workers of a ``multiprocessing`` pool leave through
    ``os._exit``, which skips it, while multiprocessing's own finalizers run there and (through
    ``atexit``) in any other process. Folders a grading worker makes would otherwise be left in
    the temporary folder of the machine, one per worker and run."""
    Finalize(None, callback, args=args, exitpriority=0)
