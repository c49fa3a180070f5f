"""Unchanged migrations: ``run`` and ``check`` of the built-in example when nothing changed.

Usage: python benchmarks/unchanged_migrations.py [--repeat 3]

A copy of examples/supabase-app/ (the ``migrations`` source, the Supabase layer, every
target) is synced once with ``python -m schemasync run``, which applies the migrations on a
throwaway PostgreSQL. Then each step runs in a new process, as a user runs it, after one
warm-up run that is not counted:

- ``run (unchanged)``: the lock's source digest holds, so no server is started and, as every
  generated file is current, nothing is rendered;
- ``check (unchanged)``: the same shortcut, then the generated files by digest;
- ``check --offline``: the migrations parsed, the files and models against the lock;
- ``check (one byte changed)``: a migration one byte longer, so the migrations are applied
  on a throwaway server again: what the first two would cost without the shortcut.

Medians, best times and peak resident memory are printed. Measure with bytecode writing on
(``env -u PYTHONDONTWRITEBYTECODE``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "supabase-app"


def timed(command: list[str], cwd: Path) -> tuple[float, int]:
    """Seconds and peak resident memory (KiB) of one successful run of ``command``."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        assert process.stderr is not None
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss


def measure(label: str, command: list[str], cwd: Path, repeat: int) -> None:
    """Print the median, best time and peak memory of ``command`` after a warm-up run."""
    runs = [timed(command, cwd) for _ in range(repeat + 1)][1:]
    times = [t for t, _ in runs]
    memory = max(m for _, m in runs) / 1024
    print(
        f"{label:<28} median {statistics.median(times):6.3f} s  best {min(times):6.3f} s  "
        f"peak {memory:4.0f} MiB"
    )


def main() -> None:
    """Sync a copy of the example, then time every step."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    schemasync = [sys.executable, "-m", "schemasync"]
    with tempfile.TemporaryDirectory(prefix="schemasync-bench-") as folder:
        project = Path(folder) / "app"
        shutil.copytree(EXAMPLE, project)
        timed([*schemasync, "run"], project)
        measure("run (unchanged)", [*schemasync, "run"], project, args.repeat)
        measure("check (unchanged)", [*schemasync, "check"], project, args.repeat)
        measure("check --offline", [*schemasync, "check", "--offline"], project, args.repeat)
        first = sorted((project / "supabase" / "migrations").glob("*.sql"))[0]
        first.write_bytes(first.read_bytes() + b"\n")
        measure("check (one byte changed)", [*schemasync, "check"], project, args.repeat)


if __name__ == "__main__":
    main()
