"""What every benchmark shares: peak memory, and running one measurement in its own process
(so that its peak memory is its own and no import or cache of another one helps it)."""

from __future__ import annotations

import json
import resource
import subprocess
import sys


def peak_rss_mib() -> float:
    # ru_maxrss is KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_subprocess(module: str, *args: str) -> dict[str, float]:
    """Run ``python -m module args...``; its last stdout line is the JSON result."""
    out = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def verdict(ratio: float, target: float) -> str:
    return f"{ratio:.2f}x ({'within' if ratio <= target else 'OVER'} the {target:g}x target)"
