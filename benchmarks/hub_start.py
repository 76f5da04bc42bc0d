"""What starting the course's JupyterHub costs, against one JupyterLab server started alone.

    sudo .venv/bin/python benchmarks/hub_start.py [--rounds 3]

Needs root (``course hub`` makes local accounts) and ``make hub``'s installs (.hub/). Makes the
accounts and folders once, in a temporary base folder, then each round measures, one after the
other on the same machine:

- ``hub``: ``course.hub.start`` until the hub's API answers through its proxy: JupyterHub, the
  proxy, and the formgrader service (a Jupyter server run as the course account), which the hub
  starts before it serves;
- ``lab``: the peer, one ``jupyter lab`` started from the accounts' venv until its API answers.

Prints a Markdown table of medians (seconds) and the hub's as a multiple of the lab's; removes
every account and folder at the end (``course.hub.clean``), even on failure.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from course.hub import ACCOUNTS, USER_BIN, Layout, clean, free_port, lay_out, make_accounts, ours, require_root, start, stop


def lab_start(folder: Path) -> float:
    """Seconds until a fresh ``jupyter lab`` (the accounts' venv, as root) answers its API."""
    port, token = free_port(), os.urandom(8).hex()
    env = dict(os.environ, PATH=f"{USER_BIN}{os.pathsep}{os.environ['PATH']}", JUPYTER_RUNTIME_DIR=str(folder))
    began = time.perf_counter()
    server = subprocess.Popen([str(USER_BIN / "jupyter"), "lab", "--no-browser", "--allow-root",
                               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}"],
                              cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"jupyter lab exited ({server.returncode})")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2):
                    return time.perf_counter() - began
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)


def hub_start(layout: Layout) -> float:
    began = time.perf_counter()
    start(layout)
    seconds = time.perf_counter() - began
    stop(layout)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    require_root()
    if any(ours(name) for name in ACCOUNTS):
        sys.exit("a hub of `make hub` has its accounts on this machine: `make hub ARGS=--clean` first")
    layout = Layout(Path(tempfile.mkdtemp(prefix="dl-ground-up-hub-bench-")))
    times = {"hub": [], "lab": []}
    try:
        make_accounts()
        lay_out(layout)
        for round_ in range(args.rounds):
            times["hub"].append(hub_start(layout))
            times["lab"].append(lab_start(Path(tempfile.mkdtemp(dir=layout.base))))
            print(f"round {round_ + 1}: hub {times['hub'][-1]:.1f} s, lab {times['lab'][-1]:.1f} s", file=sys.stderr)
    finally:
        clean(layout)
    lab = statistics.median(times["lab"])
    print("| start | median (s) | runs (s) | multiple of one JupyterLab |")
    print("|---|---|---|---|")
    for name, label in (("hub", "JupyterHub + proxy + formgrader service"), ("lab", "one JupyterLab (peer)")):
        runs = ", ".join(f"{t:.1f}" for t in times[name])
        print(f"| {label} | {statistics.median(times[name]):.1f} | {runs} | {statistics.median(times[name]) / lab:.2f} |")


if __name__ == "__main__":
    main()
