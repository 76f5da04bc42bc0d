"""Grading kernels in an operating-system sandbox (bubblewrap), with limits per kernel.

``nbgrader_config.py`` makes ``nbgrader autograde`` execute notebooks with
:class:`SandboxedExecute`, nbgrader's own ``Execute`` preprocessor starting its kernels through
:class:`SandboxedKernelManager`. Each kernel then runs under ``bwrap`` (Debian's
``bubblewrap``), in namespaces of its own:

- files: the Python environment, the ``utils`` library the grader would import and the system
  folders (``/usr``, ``/etc``), read-only; the notebook's folder (only that submission's files)
  and a private runtime folder (connection file, sockets, ``HOME``, ``TMPDIR``), writable.
  Nothing else exists: not the course, its gradebook, other submissions, the grader's home or
  ``/tmp``;
- network: a namespace of its own with only a loopback, so the kernel talks to nbgrader over
  IPC sockets in its runtime folder (``transport="ipc"``) and cannot reach any port of the
  machine;
- processes: a PID namespace (the kernel sees only its own processes, and they all die with
  it), a session of its own, killed with its parent (``--die-with-parent``);
- limits (:class:`Limits`): address space (an allocation beyond it raises ``MemoryError``),
  processes and threads, CPU seconds, file size, no core dumps. A grader running as root runs
  each kernel as a user id of its own, unprivileged and without capabilities, so that the
  process limit counts that kernel's processes alone.

A grader running as root starts kernels *warm* (``SandboxedKernelManager.warm``): bubblewrap
builds each kernel's sandbox as above around a placeholder, and the kernel is a fresh fork of a
process that already imported ipykernel, NumPy, matplotlib and ``utils`` (:class:`Zygote`,
``course/zygote.py``), which enters that sandbox's namespaces and root, becomes its user and
takes its limits; so no kernel spends its first second importing. Never a kernel reused.

Where bubblewrap is missing or cannot create namespaces (macOS, Windows, locked-down
containers), kernels start as before and one warning says they are not sandboxed; with
``SandboxedKernelManager.require_sandbox = True`` grading refuses to start them instead.
The in-process guard (``utils/integrity.py``) stays as a second layer either way.
"""
from __future__ import annotations

import functools
import importlib.util
import json
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import dataclasses
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer, Unicode

from .kernel_crash import CrashTolerantExecute
from .trusted_tests import TrustedTests
from .process_exit import on_exit

GiB = 2**30
# Top-level system folders a kernel may read (Python, its libraries, locales, time zones...).
SYSTEM_FOLDERS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# Environment variables a kernel keeps; the rest of the grader's environment (tokens, paths of
# the instructor's machine) does not reach the student's code.
KEPT_VARIABLES = ("PATH", "PYTHONPATH", "NBGRADER_EXECUTION", "LANG", "LANGUAGE", "TZ", "PYTHONHASHSEED",
                  "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "MPLBACKEND")
# User ids a root grader picks one from for each kernel: far above any account's.
PRIVATE_UIDS = (1 << 30, 1 << 31)
HOW_TO_INSTALL = ("install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install "
                  "bubblewrap; Arch: pacman -S bubblewrap)")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    """What one grading kernel may use.

    memory : bytes of address space of each process (``RLIMIT_AS``); beyond it an allocation
        fails, which Python and NumPy raise as ``MemoryError``.
    processes : processes and threads the kernel's user may have at once (``RLIMIT_NPROC``).
    cpu_seconds : CPU time of each process (``RLIMIT_CPU``); past it the process is killed.
    file_bytes : the largest file a process may write (``RLIMIT_FSIZE``).
    """

    memory: int = 2 * GiB
    processes: int = 64
    cpu_seconds: int = 300
    file_bytes: int = GiB

    def prlimit(self) -> list[str]:
        """The ``prlimit`` command line (util-linux) that applies these limits, then runs the rest."""
        return ["prlimit", f"--as={self.memory}", f"--nproc={self.processes}",
                f"--cpu={self.cpu_seconds}:{self.cpu_seconds + 5}", f"--fsize={self.file_bytes}", "--core=0"]


def sandbox_command(command: list[str], folder: Path, runtime: Path, readable: list[Path], limits: Limits,
                    uid: int | None = None, env: dict[str, str] | None = None, bwrap: str = "bwrap") -> list[str]:
    """``command`` wrapped to run in a bubblewrap sandbox (see the module's docstring).

    Parameters
    ----------
    command : the program and its arguments (absolute path of the program).
    folder : the only folder of the machine the command may write, its working directory.
    runtime : a private folder for the connection file, sockets, ``HOME`` and ``TMPDIR``.
    readable : folders mounted read-only at the same path (the Python environment, libraries).
    limits : the resource limits applied inside the sandbox.
    uid : run as this user id (a root grader's unprivileged id); None keeps the caller's.
    env : the environment to filter (default: this process's); only :data:`KEPT_VARIABLES` stay.
    bwrap : the bubblewrap program.
    """
    args = [bwrap, "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--unshare-uts", "--unshare-cgroup-try"]
    if uid is None:  # an unprivileged grader: a user namespace makes the mounts possible
        args.append("--unshare-user")
    system = [top for top in SYSTEM_FOLDERS if os.path.isdir(top) and not os.path.islink(top)]
    mounts = _outermost([*(Path(p) for p in system), *readable])
    writable = [Path(folder), Path(runtime)]
    # The folders above each mount, world-readable and empty but for what is mounted in them
    # (bubblewrap would make them readable by their owner only).
    above = sorted({a for m in mounts + writable for a in m.parents} - {Path("/")}, key=lambda a: len(a.parts))
    for path in above:
        if not any(path == m or m in path.parents for m in mounts):
            args += ["--perms", "0755", "--dir", str(path)]
    for top in SYSTEM_FOLDERS:
        if os.path.islink(top):  # merged /usr: /bin -> usr/bin
            args += ["--symlink", os.readlink(top), top]
    for path in mounts:
        args += ["--ro-bind", str(path), str(path)]
    for path in writable:
        args += ["--bind", str(path), str(path)]
    args += ["--proc", "/proc", "--dev", "/dev", "--chdir", str(folder), "--clearenv"]
    for key, value in kernel_environment(runtime, env).items():
        args += ["--setenv", key, value]
    args.append("--")
    if uid is not None:  # root inside the mount setup only: the kernel gets no privilege at all
        args += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
                 "--bounding-set=-all", "--no-new-privs"]
    return args + limits.prlimit() + ["--"] + command


def kernel_environment(runtime: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """A sandboxed kernel's whole environment: :data:`KEPT_VARIABLES` of ``env`` (default: this
    process's), and ``runtime`` as its home and temporary folder."""
    source = os.environ if env is None else env
    kept = {k: v for k, v in source.items() if k in KEPT_VARIABLES or k.startswith("LC_")}
    # JPY_PARENT_PID=1: the kernel's parent is the sandbox's init, which ipykernel must not watch
    # (the sandbox dies with the grader anyway).
    return {**kept, "HOME": str(runtime), "TMPDIR": str(runtime), "JPY_PARENT_PID": "1"}


def _outermost(paths: list[Path]) -> list[Path]:
    """``paths`` without those inside another of them (mounting the outer one shows them)."""
    unique = sorted(set(paths), key=lambda p: len(p.parts))
    return [p for i, p in enumerate(unique) if not any(q in p.parents for q in unique[:i])]


@functools.cache
def unavailable(bwrap: str = "bwrap") -> str:
    """Why kernels cannot be sandboxed on this machine ("" when they can): a tool is missing, or
    bubblewrap (the program ``bwrap``) cannot create its namespaces (tried once per process)."""
    tools = [bwrap, "prlimit"] + (["setpriv"] if os.geteuid() == 0 else [])
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} not found"
    with tempfile.TemporaryDirectory(prefix="sandbox-check-") as tmp:
        folder, runtime = Path(tmp, "folder"), Path(tmp, "runtime")
        folder.mkdir()
        runtime.mkdir()
        uid = prepare(folder, runtime)
        command = sandbox_command([shutil.which("true")], folder, runtime, [], Limits(), uid, bwrap=bwrap)
        done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        return f"bubblewrap cannot start a sandbox here ({done.stderr.strip() or done.returncode})"
    return ""


def notice(bwrap: str = "bwrap") -> str:
    """One line to show a grader when kernels will not be sandboxed ("" when they will)."""
    why = unavailable(bwrap)
    return (f"WARNING: grading kernels are NOT sandboxed ({why}): students' code runs with your user's "
            f"access to files, processes and the network; {HOW_TO_INSTALL}") if why else ""


def _private_uid() -> int | None:
    """For a root grader, a fresh unprivileged user id for one kernel; None otherwise."""
    return secrets.SystemRandom().randrange(*PRIVATE_UIDS) if os.geteuid() == 0 else None


def _library_folders() -> list[Path]:
    """What a kernel imports from: this Python's installation (the virtual environment and the
    interpreter it was made from) and the ``utils`` package the grader itself would import (a
    private copy on ``PYTHONPATH`` when ``course grade`` grades)."""
    prefixes = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    prefixes.add(Path(sys.executable).resolve().parent.parent)
    spec = importlib.util.find_spec("utils")
    library = [Path(spec.origin).resolve().parent] if spec and spec.origin else []
    return sorted(prefixes) + library


@functools.cache
def _font_caches() -> tuple[Path, ...]:
    """matplotlib's font list of this machine, if built: a kernel would spend a second or more
    building its own in its empty home."""
    try:
        import matplotlib
    except ImportError:
        return ()
    return tuple(Path(matplotlib.get_cachedir()).glob("fontlist-*.json"))


def prepare(folder: Path, runtime: Path) -> int | None:
    """Make the empty folder ``runtime`` a kernel's home, seeded with what is slow to rebuild and
    safe to share (matplotlib's font list), and give it and ``folder`` to the kernel's user.

    Returns that user's id for :func:`sandbox_command`: a fresh one for a root grader, else None.
    """
    fonts = runtime / ".cache" / "matplotlib"
    fonts.mkdir(parents=True)
    for cache in _font_caches():
        shutil.copy(cache, fonts / cache.name)
    uid = _private_uid()
    if uid is not None:
        _chown_tree(folder, uid)
        _chown_tree(runtime, uid)
    return uid


def _chown_tree(top: Path, uid: int) -> None:
    """Give ``top`` and everything under it to ``uid`` (as its group too)."""
    for folder, dirs, files in os.walk(top):
        for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
            os.chown(name, uid, uid, follow_symlinks=False)


class Zygote:
    """A running ``course/zygote.py``: a process with the grading kernels' imports done, which
    forks each warm kernel into the sandbox started for it (see that module). One per kernel
    environment and Python, started by the first kernel that needs it, ended with the grader."""

    _running: dict[tuple, Zygote] = {}
    _lock = threading.Lock()

    def __init__(self, python: str, env: dict[str, str]):
        self.folder = Path(tempfile.mkdtemp(prefix="zygote-"))  # only the grader may open its socket
        home = self.folder / "home"
        (home / ".cache" / "matplotlib").mkdir(parents=True)
        for cache in _font_caches():
            shutil.copy(cache, home / ".cache" / "matplotlib" / cache.name)
        self.socket = self.folder / "socket"
        ready, signal_ready = os.pipe()
        self.process = subprocess.Popen(
            [python, str(Path(__file__).with_name("zygote.py")), str(self.socket), str(signal_ready)],
            env={**env, "HOME": str(home), "TMPDIR": str(home)}, cwd=home, stdin=subprocess.DEVNULL,
            pass_fds=[signal_ready])
        os.close(signal_ready)
        with os.fdopen(ready, "rb") as answer:
            started = answer.read()
        if started != b"ready":
            self.stop()
            raise RuntimeError(f"the warm kernel process did not start (exit code {self.process.poll()})")
        on_exit(self.stop)

    @classmethod
    def get(cls, python: str, env: dict[str, str]) -> Zygote | None:
        """The zygote for kernels run by ``python`` with environment ``env`` (their home and
        temporary folder aside), started if need be; None if it cannot start (logged)."""
        key = (python, tuple(sorted((k, v) for k, v in env.items() if k not in ("HOME", "TMPDIR"))))
        with cls._lock:
            zygote = cls._running.get(key)
            if zygote is None or zygote.process.poll() is not None:
                try:
                    zygote = cls._running[key] = cls(python, dict(key[1]))
                except (OSError, RuntimeError) as error:
                    log.warning("kernels start cold: %s", error)
                    return None
            return zygote

    def fork(self, request: dict) -> int:
        """Ask for a kernel (the request of ``course/zygote.py``); the pid of the child that
        will join its sandbox."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(str(self.socket))
            conn.sendall(json.dumps(request).encode() + b"\n")
            return int(conn.makefile("rb").readline())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager that starts each kernel in a bubblewrap sandbox (module docstring),
    talking to it over IPC sockets in a private runtime folder."""

    _runtime: Path | None = None  # the kernel's runtime folder while it is sandboxed
    _uid: int | None = None
    _zygote: Zygote | None = None  # the process this kernel is forked from, when it starts warm

    memory_limit = Integer(Limits.memory, help="bytes of address space of each kernel process").tag(config=True)
    process_limit = Integer(Limits.processes, help="processes and threads of one kernel").tag(config=True)
    cpu_limit = Integer(Limits.cpu_seconds, help="CPU seconds of each kernel process").tag(config=True)
    file_size_limit = Integer(Limits.file_bytes, help="bytes of the largest file a kernel writes").tag(config=True)
    sandbox = Bool(True, help="run kernels in a bubblewrap sandbox when the machine can").tag(config=True)
    bwrap = Unicode("bwrap", help="the bubblewrap program (a name on PATH or a path)").tag(config=True)
    require_sandbox = Bool(False, help="refuse to start kernels that cannot be sandboxed").tag(config=True)
    warm = Bool(True, help=("fork each sandboxed kernel from a process that has its imports done "
                            "(course/zygote.py; a grader running as root only)")).tag(config=True)

    _warned = False  # the missing-sandbox warning, once per process

    @property
    def limits(self) -> Limits:
        return Limits(self.memory_limit, self.process_limit, self.cpu_limit, self.file_size_limit)

    async def start_kernel(self, **kw) -> None:
        """Start the kernel in ``kw["cwd"]`` (the notebook's folder), sandboxed when possible."""
        self._runtime = None
        why = unavailable(self.bwrap) if self.sandbox else "switched off in the configuration"
        if why and self.require_sandbox:
            raise RuntimeError(f"grading kernels cannot be sandboxed: {why}; {HOW_TO_INSTALL}")
        if why and not SandboxedKernelManager._warned:
            SandboxedKernelManager._warned = True
            self.log.warning("grading kernels are NOT sandboxed (%s); %s", why, HOW_TO_INSTALL)
        if not why:
            self._folder = Path(kw.get("cwd") or os.getcwd()).resolve()
            self._runtime = Path(tempfile.mkdtemp(prefix="kernel-"))
            self._uid = prepare(self._folder, self._runtime)
            self._zygote = None
            self.transport, self.ip = "ipc", str(self._runtime / "ipc")
            self.connection_file = str(self._runtime / "kernel.json")
            # A signal to bwrap would not reach the kernel in its own session: ask the kernel.
            self.kernel_spec.interrupt_mode = "message"
        await super().start_kernel(**kw)

    def write_connection_file(self, **kwargs) -> None:
        super().write_connection_file(**kwargs)
        if self._runtime and self._uid is not None:  # the kernel's user must read it
            os.chown(self.connection_file, self._uid, self._uid)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        if not self._runtime:
            return command
        env = self._launch_args.get("env")
        if self._warm_start(command, env):
            # The sandbox runs a placeholder that lives as long as the kernel holds the FIFO open.
            command = [shutil.which("cat"), str(self._runtime / "alive")]
        return sandbox_command(command, self._folder, self._runtime, _library_folders(), self.limits, self._uid,
                               env, self.bwrap)

    def start_warm_process(self, env: dict[str, str]) -> None:
        """Start now, before any kernel is asked for, the process that this process's warm kernels
        launched with the environment ``env`` are forked from (its imports take a second or
        more), when kernels are to start warm."""
        if self.sandbox and self.warm and os.geteuid() == 0 and not unavailable(self.bwrap):
            Zygote.get(sys.executable, kernel_environment(Path(tempfile.gettempdir()), env))

    def _warm_start(self, command: list[str], env: dict[str, str] | None) -> bool:
        """Prepare to fork this kernel from a zygote instead of running ``command`` in its sandbox;
        False when it must start cold (not root, not an ipykernel, no zygote)."""
        if not (self.warm and self._uid is not None and command[1:3] == ["-m", "ipykernel_launcher"]):
            return False
        environment = kernel_environment(self._runtime, env)
        self._zygote = Zygote.get(command[0], environment)
        if self._zygote is None:
            return False
        alive = self._runtime / "alive"
        os.mkfifo(alive, 0o600)
        os.chown(alive, self._uid, self._uid)
        self._warm_request = {"alive": str(alive), "argv": command, "env": environment, "cwd": str(self._folder),
                              "uid": self._uid, "limits": dataclasses.asdict(self.limits)}
        return True

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        await super()._async_launch_kernel(kernel_cmd, **kw)
        if self._runtime and self._zygote is not None:
            self._zygote.fork({**self._warm_request, "bwrap": self.provisioner.process.pid})

    async def _async_interrupt_kernel(self) -> None:
        # jupyter_client interrupts every kernel before shutting it down. The notebook has run by
        # then (a cell past its time limit was interrupted already), and a kernel interrupted
        # idle prints "KeyboardInterrupt caught in kernel" on the grader's terminal.
        if not self.shutting_down:
            await super()._async_interrupt_kernel()

    async def cleanup_resources(self, restart: bool = False) -> None:
        await super().cleanup_resources(restart=restart)
        if self._runtime and not restart:
            shutil.rmtree(self._runtime, ignore_errors=True)
            if self._uid is not None:  # the graded folder back to the grader
                _chown_tree(self._folder, os.geteuid())
            self._runtime = None


class SandboxedExecute(CrashTolerantExecute, TrustedTests):
    """nbgrader's ``Execute`` preprocessor with sandboxed kernels (``c.Execute`` settings apply),
    surviving kernel crashes (``course.kernel_crash``) and lost messages (``course.execution``),
    running the test cells in the grader's process (``course.trusted_tests``)."""

    def __init__(self, **kwargs):
        # nbgrader's Execute passes its own kernel manager class, which overrides configuration.
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(**kwargs)
