"""A smoke run of the NumPy-MLP-against-scikit-learn benchmark (the measured table is in
benchmarks/RESULTS.md): it runs, and reports both accuracies and the speed-up."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_reports_times_accuracies_and_ratio():
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "mlp_vs_sklearn.py"), "--quick"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    rows = re.findall(r"^\| (NumPy reference|scikit-learn MLPClassifier)[^|]* \| ([\d.]+) \| ([\d.]+)% \|$",
                      run.stdout, flags=re.MULTILINE)
    assert [name for name, _, _ in rows] == ["NumPy reference", "scikit-learn MLPClassifier"], run.stdout
    for _, milliseconds, accuracy in rows:
        assert float(milliseconds) > 0 and 50.0 < float(accuracy) <= 100.0  # two epochs learn digits
    assert re.search(r"speed-up \(scikit-learn time / NumPy time\): \d+\.\d+x", run.stdout), run.stdout
