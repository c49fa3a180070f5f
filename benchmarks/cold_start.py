"""Cold start to models for the built-in example: ``schemasync run`` from its migrations.

Usage: python benchmarks/cold_start.py [--engine auto|system|embedded] [--repeat 3]

Each round copies examples/supabase-app/ to a fresh folder and runs ``python -m schemasync
run`` there in a new process, so the time covers interpreter start, imports, plugin loading,
a throwaway PostgreSQL started from nothing (initdb included), the Supabase layer, the
migrations, introspection, the TypedDict emitter and the writes. One run first, not counted,
warms the file system cache and the bytecode caches. Target: under 3 s with the system's
PostgreSQL binaries.
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


def one_run(engine: str) -> float:
    """Seconds from process start to models written, in a fresh copy of the example."""
    with tempfile.TemporaryDirectory(prefix="schemasync-bench-") as folder:
        project = Path(folder) / "app"
        shutil.copytree(EXAMPLE, project)
        start = time.perf_counter()
        subprocess.run(
            # The TypedDict models alone: the time the target names, whatever else the
            # example is configured to emit.
            [sys.executable, "-m", "schemasync", "run", "--emit", "typeddict"],
            cwd=project,
            env={**os.environ, "SCHEMASYNC_ENGINE": engine},
            check=True,
            capture_output=True,
        )
        elapsed = time.perf_counter() - start
        assert (project / "schema_version.py").is_file()
    return elapsed


def main() -> None:
    """Parse arguments and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="auto", choices=("auto", "system", "embedded"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from schemasync.sources.engine import find_engine

    engine = find_engine(args.engine)
    one_run(args.engine)  # warm-up, not counted
    times = [one_run(args.engine) for _ in range(args.repeat)]
    print(f"engine: {engine.kind} PostgreSQL {engine.version} ({engine.bindir})")
    migrations = len(list(EXAMPLE.glob("supabase/migrations/*.sql")))
    print(f"example: {EXAMPLE.name}, {migrations} migrations")
    print(
        f"cold start to models: best {min(times):.2f} s, median {statistics.median(times):.2f} s "
        f"over {len(times)} runs (target < 3 s with the system binaries)"
    )


if __name__ == "__main__":
    main()
