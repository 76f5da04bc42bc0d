"""A warm start for sandboxed grading kernels: a process with the kernel's imports done, forked
into each fresh kernel, which then enters that kernel's own bubblewrap sandbox.

Run as a program by ``course.sandbox`` (never imported by the grader, so that nothing of the
grader's memory reaches a kernel): ``python zygote.py SOCKET FD``, saying "ready" on FD. It imports what every grading
kernel imports anyway (ipykernel, NumPy, matplotlib's pyplot, the ``utils`` library) with the
kernels' own environment, then answers requests on the Unix socket ``SOCKET`` (a folder only
the grader can open). Each request is one JSON line from the grader, never from a kernel:

    {"bwrap": pid of a bubblewrap sandbox started for one kernel, "alive": its FIFO,
     "argv": the kernel's command, "env": its environment, "cwd": its folder,
     "uid": its user id, "limits": {"memory", "processes", "cpu_seconds", "file_bytes"}}

For each, a child (single-threaded, a copy of this process) opens the FIFO for writing, which
waits until the sandbox runs its placeholder (``cat FIFO``), so the sandbox is complete; joins
the sandbox's namespaces (IPC, UTS, network, cgroup, mount, then PID, which takes effect for
its own child) and forks the kernel: that process is inside the sandbox's PID namespace, takes
the sandbox's root as its own, becomes the kernel's unprivileged user without capabilities,
applies the same limits as ``prlimit``, starts a session of its own and runs
``ipykernel_launcher``. Its end of the FIFO ties the sandbox's life to the kernel's: when the
kernel exits, the placeholder reads end-of-file and bubblewrap ends the sandbox and all its
processes; when the sandbox is killed, so is the kernel (it lives in the sandbox's PID
namespace). The zygote exits when the grader that started it does.

Each kernel is a fresh process: no kernel is ever reused, and a kernel sees only the
zygote's imports, never another kernel's state.
"""
import ctypes
import importlib
import json
import os
import resource
import runpy
import shutil
import signal
import socket
import sys
import traceback

# The order in which namespaces are joined: the PID namespace last (it applies to the child),
# the mount namespace after those whose files it would hide.
NAMESPACES = ("ipc", "uts", "net", "cgroup", "mnt", "pid")
PR_SET_NO_NEW_PRIVS = 38
PR_CAPBSET_DROP = 24
_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


# What grading kernels import: ipykernel (with its debugger, debugpy: half of the CPU a kernel
# spends starting), and the libraries the chapters' first cells import (a test keeps this list
# complete). These take about 1.5 s per kernel where a chapter loads scikit-learn's data and
# SciPy, and cost each kernel some 170 MB of address space (of its 2 GiB).
WARM_MODULES = (
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger", "matplotlib.pyplot", "numpy",
    "scipy.optimize", "scipy.special", "sklearn.datasets", "sklearn.model_selection", "threadpoolctl",
    "utils.checks", "utils.datasets", "utils.gradcheck", "utils.integrity", "utils.nn", "utils.plotting",
    "utils.widgets",
)
# Warm modules that set themselves up for the kernel they are imported in, which the zygote is
# not: each kernel loads them as IPython extensions (ipywidgets registers its comm target, which
# a front end's widgets talk to).
KERNEL_EXTENSIONS = ("ipywidgets",)


def warm_up() -> None:
    """Import :data:`WARM_MODULES` (matplotlib's backend chosen as ipykernel chooses it)."""
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # debugpy warns on stderr, the grader's terminal here, that frozen modules may hide breakpoints:
    # nobody debugs a grading kernel (each kernel gets its own environment: this does not reach it).
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    for module in WARM_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:  # not installed here: the kernels that need it import it (and fail) themselves
            pass


def sandbox_init(bwrap_pid: int) -> int:
    """The first process inside bubblewrap's namespaces (bubblewrap's child)."""
    with open(f"/proc/{bwrap_pid}/task/{bwrap_pid}/children") as children:
        return int(children.read().split()[0])


def enter(request: dict) -> None:
    """In a forked child: join the sandbox and become its kernel (never returns)."""
    signal.alarm(60)  # a sandbox that never starts must not keep this child waiting
    alive = os.open(request["alive"], os.O_WRONLY | os.O_NOFOLLOW)  # waits until the sandbox is complete
    init = sandbox_init(request["bwrap"])
    root = os.open(f"/proc/{init}/root", os.O_RDONLY | os.O_DIRECTORY)
    # Opened before joining any: once in the sandbox's mount namespace, /proc is the sandbox's.
    joined = [os.open(f"/proc/{init}/ns/{ns}", os.O_RDONLY) for ns in NAMESPACES
              if os.stat(f"/proc/{init}/ns/{ns}").st_ino != os.stat(f"/proc/self/ns/{ns}").st_ino]
    for fd in joined:
        _check(_libc.setns(fd, 0), "setns")
        os.close(fd)
    if os.fork():  # the kernel is the child, inside the PID namespace; the sandbox's init reaps it
        os._exit(0)
    become_kernel(request, root, alive)


def become_kernel(request: dict, root: int, alive: int) -> None:
    """The sandbox's root, user, limits, session and environment, then ipykernel."""
    os.fchdir(root)
    os.chroot(".")
    os.chdir(request["cwd"])
    os.setsid()
    limits = request["limits"]
    for name, soft, hard in ((resource.RLIMIT_AS, limits["memory"], limits["memory"]),
                             (resource.RLIMIT_NPROC, limits["processes"], limits["processes"]),
                             (resource.RLIMIT_CPU, limits["cpu_seconds"], limits["cpu_seconds"] + 5),
                             (resource.RLIMIT_FSIZE, limits["file_bytes"], limits["file_bytes"]),
                             (resource.RLIMIT_CORE, 0, 0)):
        resource.setrlimit(name, (soft, hard))
    uid = request["uid"]
    if uid is not None:
        cap = 0
        while _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0:  # every capability, up to the last one
            cap += 1
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.closerange(3, alive)
    os.closerange(alive + 1, 1 << 16)
    os.environ.clear()
    os.environ.update(request["env"])
    _fresh_state()
    extensions = [f"--IPKernelApp.extra_extensions={name}" for name in KERNEL_EXTENSIONS if name in sys.modules]
    sys.argv = [request["argv"][0], *request["argv"][3:], *extensions]
    runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
    sys.exit(0)


def _fresh_state() -> None:
    """What a new process would not share with its siblings: random state, the temporary folder."""
    import tempfile

    import numpy

    tempfile.tempdir = None
    numpy.random.seed()  # the legacy global generator, seeded by the import in the zygote


def serve(path: str, ready: int) -> None:
    """Answer fork requests on the Unix socket ``path`` until the grader exits; say "ready" on
    the file descriptor ``ready`` once listening."""
    grader = os.getppid()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forked children are reaped by the kernel
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(8)
    server.settimeout(1.0)
    os.write(ready, b"ready")
    os.close(ready)
    while os.getppid() == grader:
        try:
            conn, _ = server.accept()
        except TimeoutError:
            continue
        with conn, conn.makefile("rwb") as stream:
            request = json.loads(stream.readline())
            pid = os.fork()
            if pid == 0:
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                try:
                    server.close()
                    conn.close()
                    enter(request)
                except BaseException as error:  # noqa: BLE001 - the grader's log says why
                    traceback.print_exc()
                    print(f"warm kernel start failed: {error!r}", file=sys.stderr, flush=True)
                os._exit(1)
            stream.write(b"%d\n" % pid)
    shutil.rmtree(os.path.dirname(path), ignore_errors=True)  # the grader is gone: its folder too


if __name__ == "__main__":
    sys.path.pop(0)  # this file's folder (the course) is not the kernels'
    warm_up()
    serve(sys.argv[1], int(sys.argv[2]))
