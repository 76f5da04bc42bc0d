"""The grading sandbox (course/sandbox.py): what a command run in it can see, write, reach and use.

The command is this interpreter, so each test runs real Python inside real bubblewrap namespaces.
The whole pipeline, with the attacks of the issue, is graded in tests/test_attacks.py.
"""
import ast
import functools
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid

import nbformat
import psutil
import pytest
from nbclient.exceptions import CellExecutionError, DeadKernelError

from course import sandbox
from course.execution import NotebookClient
from tests.conftest import CHAPTERS, ROOT
from tests.fixtures.cheating import listening_server

pytestmark = pytest.mark.skipif(bool(sandbox.unavailable()), reason=f"no sandbox here: {sandbox.unavailable()}")


def run_command(tmp_path, code: str, limits=sandbox.Limits(), timeout: float = 60) -> subprocess.CompletedProcess:
    """Run Python ``code`` in a sandbox whose writable folder is ``tmp_path/work``."""
    folder, runtime = tmp_path / "work", tmp_path / "runtime"
    folder.mkdir(exist_ok=True)
    runtime.mkdir(exist_ok=True)
    uid = sandbox.prepare(folder, runtime)
    command = sandbox.sandbox_command([sys.executable, "-c", textwrap.dedent(code)], folder, runtime,
                                      sandbox._library_folders(), limits, uid)
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def run_kernel(warm: bool, tmp_path, code: str, limits=sandbox.Limits(), timeout: float = 60) -> subprocess.CompletedProcess:
    """Run Python ``code`` as the one cell of a notebook in ``tmp_path/work``, in a grading kernel
    started by ``SandboxedKernelManager``, forked from the zygote (``warm``) or not; its stream
    output as ``stdout``, its error as ``stderr`` (return code 1), a dead kernel as ``-SIGKILL``."""
    folder = tmp_path / "work"
    folder.mkdir(parents=True, exist_ok=True)
    managers = []

    class Client(NotebookClient):
        def create_kernel_manager(self):
            managers.append(super().create_kernel_manager())
            return managers[-1]

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(textwrap.dedent(code))])
    client = Client(nb, kernel_manager_class=sandbox.SandboxedKernelManager, kernel_name="python3", timeout=timeout,
                    resources={"metadata": {"path": str(folder)}})
    for trait, value in (("warm", warm), ("memory_limit", limits.memory), ("process_limit", limits.processes),
                         ("cpu_limit", limits.cpu_seconds), ("file_size_limit", limits.file_bytes)):
        setattr(client.config.SandboxedKernelManager, trait, value)
    try:
        client.execute()
        returncode = 0
    except DeadKernelError:
        returncode = -signal.SIGKILL
    except CellExecutionError:
        returncode = 1
    assert (managers[0]._zygote is not None) == warm  # started the way asked
    outputs = nb.cells[0].get("outputs", [])
    stdout = "".join(o.get("text", "") for o in outputs if o.output_type == "stream" and o.name == "stdout")
    stderr = "".join(o.get("evalue", "") for o in outputs if o.output_type == "error")
    return subprocess.CompletedProcess([], returncode or (1 if stderr else 0), stdout, stderr)


# Each guarantee holds for a command in a sandbox, and for grading kernels started cold or warm.
RUNNERS = {"command": run_command, "cold kernel": functools.partial(run_kernel, False),
           "warm kernel": functools.partial(run_kernel, True)}


@pytest.fixture(params=list(RUNNERS))
def run_sandboxed(request):
    return RUNNERS[request.param]


def test_only_the_python_environment_and_its_own_folder_are_visible(tmp_path, run_sandboxed):
    secret = tmp_path / "secret.txt"  # next to the sandbox's folders, not in them
    secret.write_text("answers")
    in_tmp = tempfile.NamedTemporaryFile(dir=tempfile.gettempdir(), suffix=".marker", delete=False)
    try:
        done = run_sandboxed(tmp_path, f"""
            import os, sys
            from pathlib import Path
            for path in [{str(secret)!r}, {str(ROOT / "source")!r}, {str(ROOT / "nbgrader_config.py")!r},
                         {str(ROOT / "tests")!r}, {in_tmp.name!r}, "/sys", "/home", "/var", "/root/.bashrc"]:
                print(path, Path(path).exists())
            import numpy, utils.checks  # the environment and the library are there
            print("cwd", os.getcwd(), sorted(os.listdir()))
            print("course", sorted(os.listdir({str(ROOT)!r})))
            """)
    finally:
        os.unlink(in_tmp.name)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line for line in lines if line.endswith("True")] == []
    assert f"cwd {tmp_path / 'work'} []" in lines
    # Of the course folder only what the kernel imports: the library (and the venv inside it).
    assert set(eval(next(line for line in lines if line.startswith("course "))[7:])) <= {"utils", ".venv"}


def test_writes_outside_its_folder_fail_and_inside_succeed(tmp_path, run_sandboxed):
    done = run_sandboxed(tmp_path, f"""
        from pathlib import Path
        Path("mine.txt").write_text("ok")
        for path in ["/tmp/escaped.txt", {str(tmp_path / "escaped.txt")!r}, {str(ROOT / "escaped.txt")!r},
                     "/usr/escaped.txt", "/escaped.txt"]:
            try:
                Path(path).write_text("escaped")
                print("wrote", path)
            except OSError as error:
                print("refused", path, type(error).__name__)
        """)
    assert done.returncode == 0, done.stderr
    assert "wrote" not in done.stdout and done.stdout.count("refused") == 5
    assert (tmp_path / "work" / "mine.txt").read_text() == "ok"
    assert not (tmp_path / "escaped.txt").exists() and not (ROOT / "escaped.txt").exists()


def test_no_connection_reaches_the_machine(tmp_path, run_sandboxed):
    """A server listening on the grader's 127.0.0.1 is unreachable from the sandbox."""
    with listening_server() as (port, accepted):
        done = run_sandboxed(tmp_path, f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=5).sendall(b"the hidden tests")
                print("connected")
            except OSError as error:
                print("refused", type(error).__name__)
            """)
    assert done.returncode == 0, done.stderr
    assert "refused" in done.stdout and accepted == []


def test_memory_beyond_the_limit_raises_memory_error_and_the_process_goes_on(tmp_path, run_sandboxed):
    done = run_sandboxed(tmp_path, """
        import numpy as np
        try:
            x = np.ones(14 * 2**30 // 8)
            print("allocated", x.nbytes)
        except MemoryError as error:
            print("MemoryError", error)
        print("still running")
        """)
    assert done.returncode == 0, done.stderr
    assert "MemoryError Unable to allocate 14.0 GiB" in done.stdout and "still running" in done.stdout


def test_processes_are_limited_and_none_outlives_the_sandbox(tmp_path, run_sandboxed):
    """A fork bomb stops at the process limit; its processes all die with the sandbox."""
    marker = str(uuid.uuid4().int % 10**6 + 10**6)  # a unique sleep length to find them by
    done = run_sandboxed(tmp_path, f"""
        import os, time
        children = 0
        try:
            for _ in range(500):
                if os.fork() == 0:
                    os.execv("/bin/sleep", ["sleep", "{marker}"])
                children += 1
        except OSError as error:
            print("refused after", children, type(error).__name__)
        """, limits=sandbox.Limits(processes=16))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("refused after") and int(done.stdout.split()[2]) < 16
    time.sleep(0.5)
    left = [p for p in psutil.process_iter(["cmdline"]) if (p.info["cmdline"] or [])[-1:] == [marker]]
    assert left == []


@pytest.mark.parametrize("run_sandboxed", RUNNERS.values(), ids=list(RUNNERS))
def test_cpu_time_is_limited(tmp_path, run_sandboxed):
    start = time.perf_counter()
    done = run_sandboxed(tmp_path, "while True: pass", limits=sandbox.Limits(cpu_seconds=1))
    assert done.returncode in (-signal.SIGXCPU, -signal.SIGKILL, 128 + signal.SIGXCPU, 128 + signal.SIGKILL), done
    assert time.perf_counter() - start < 30


def test_the_environment_keeps_no_secret_of_the_grader(tmp_path, monkeypatch, run_sandboxed):
    monkeypatch.setenv("INSTRUCTOR_TOKEN", "s3cret")
    done = run_sandboxed(tmp_path, "import os; print(sorted(os.environ))")
    assert "INSTRUCTOR_TOKEN" not in done.stdout and "'HOME'" in done.stdout


def test_a_missing_bubblewrap_is_reported():
    assert "/nowhere/bwrap not found" in sandbox.unavailable("/nowhere/bwrap")
    assert "NOT sandboxed" in sandbox.notice("/nowhere/bwrap") and "apt-get install bubblewrap" in sandbox.notice("/nowhere/bwrap")
    assert sandbox.notice() == ""


def test_warm_kernels_share_no_state_and_hold_no_privilege(tmp_path):
    """Two kernels forked from the same zygote: each a user of its own without any capability,
    with its own random state, and the zygote's imports done; ipywidgets, imported outside any
    kernel, is set up for its kernel (its comm target registered, as a cold kernel's import does)."""
    code = """
        import json, os, sys, comm, ipywidgets, numpy as np
        status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
        print(json.dumps([os.getuid(), os.getgid(), os.getgroups(), int(status["CapEff"], 16),
                          int(status["CapBnd"], 16), int(status["NoNewPrivs"]), np.random.random(),
                          "matplotlib.pyplot" in sys.modules and "jupyter.widget" in comm.get_comm_manager().targets]))
        """
    facts = [json.loads(run_kernel(True, tmp_path / str(i), code).stdout) for i in range(2)]
    for uid, gid, groups, effective, bounding, no_new_privs, _, warm in facts:
        assert uid > 0 and gid == uid and groups == []
        assert effective == bounding == 0 and no_new_privs == 1
        assert warm
    assert facts[0][0] != facts[1][0] or os.geteuid() != 0  # a root grader gives each its own user
    assert facts[0][6] != facts[1][6]


def test_the_zygote_imports_what_every_chapters_first_cell_imports():
    """Each library a chapter's setup cell imports is warm in the zygote (imported by
    course.zygote's ``warm_up``), but for the standard library's."""
    warm = json.loads(subprocess.run(
        [sys.executable, "-c", "import json, sys; from course import zygote; zygote.warm_up(); "
                               "print(json.dumps(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True, cwd=ROOT).stdout)
    missing = {}
    for chapter in CHAPTERS:
        setup = next(c for c in nbformat.read(chapter.source, as_version=4).cells
                     if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
        nodes = list(ast.walk(ast.parse(setup.source)))
        imported = {a.name for n in nodes if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module for n in nodes if isinstance(n, ast.ImportFrom)}
        imported = {m for m in imported if m.split(".")[0] not in sys.stdlib_module_names}
        if imported - set(warm):
            missing[chapter.id] = sorted(imported - set(warm))
    assert missing == {}


def test_cold_and_warm_kernels_guard_the_same_library_modules():
    """The in-kernel guard snapshots the library's modules loaded when it starts: in a warm kernel
    those the zygote imported, in a cold one those ``protect`` imports (GUARDED_MODULES). Every
    one of the first must be among the second, or a student's patch to it would be undone in a
    warm kernel and not in a cold one."""
    def library_modules(code: str) -> set[str]:
        listing = subprocess.run([sys.executable, "-c", code + "; import json, sys; print(json.dumps("
                                  "[m for m in sys.modules if m.split('.')[0] == 'utils']))"],
                                 capture_output=True, text=True, check=True, cwd=ROOT).stdout
        return set(json.loads(listing))

    warm = library_modules("from course import zygote; zygote.warm_up()")
    cold = library_modules("import importlib, utils.integrity as guard; "
                           "[importlib.import_module(m) for m in guard.GUARDED_MODULES]")
    assert warm - cold == set()


def test_the_zygote_ends_with_the_grader_that_started_it(tmp_path):
    """A grader killed outright (no clean-up of its own) leaves no zygote and no zygote folder."""
    grader = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from course.sandbox import Zygote, kernel_environment
        zygote = Zygote.get(sys.executable, kernel_environment(Path({str(tmp_path)!r})))
        print(zygote.process.pid, zygote.folder, flush=True)
        time.sleep(600)
        """)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    pid, folder = grader.stdout.readline().split()
    assert psutil.pid_exists(int(pid)) and os.path.isdir(folder)
    grader.kill()
    grader.wait()
    try:
        psutil.Process(int(pid)).wait(timeout=10)  # it notices within a second that its grader is gone
    except psutil.NoSuchProcess:
        pass  # gone already
    assert not os.path.exists(folder)
