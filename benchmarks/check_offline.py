"""Time ``schemasync check --offline`` (the pre-commit case) on a project of N tables.

Usage: python benchmarks/check_offline.py [--tables 400] [--repeat 7]

A project is written to a temporary folder: the synthetic schema of ``benchmarks/emit.py``
(N tables x 20 columns, an enum) generated as TypedDicts by ``schemasync run``'s own code,
its lock and ``schema_version.py``, plus a hand-written models file of 20 TypedDicts that
the check reads back. Then the real command runs in a fresh interpreter each time, as
pre-commit runs it, with no database reachable: best and median wall times are printed for

- the usual case: nothing changed since ``run`` (digests from the lock, no rendering);
- a settings change since ``run``, which makes the check render every file again.

Bytecode is written on the first run (``PYTHONDONTWRITEBYTECODE`` is cleared), as it is for
an installed tool, so the times are those of a warm install.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from emit import synthetic_schema

from schemasync.codegen.generate import choose_emitters, run
from schemasync.config import load_config
from schemasync.plugins import load_plugins

HAND_WRITTEN_MODELS = 20


def write_project(root: Path, tables: int) -> None:
    """The project: config, hand-written models, and what ``run`` writes."""
    (root / "pyproject.toml").write_text(
        '[project]\nname = "bench"\nversion = "0"\n\n'
        '[tool.schemasync]\nemit = ["typeddict"]\nmodels = ["app/*.py"]\n'
    )
    (root / "app").mkdir()
    classes = "".join(
        f"\n\nclass Item{n}(TypedDict):\n    id: int\n    name: str\n    price: Decimal | None\n"
        for n in range(HAND_WRITTEN_MODELS)
    )
    (root / "app" / "models.py").write_text(
        "from decimal import Decimal\nfrom typing import TypedDict\n" + classes
    )
    host = load_plugins()
    config = load_config(root / "pyproject.toml")
    now = dt.datetime.now(dt.timezone.utc)
    run(host, config, synthetic_schema(tables), choose_emitters(host, config, []), now=now)


def timed_command(root: Path, repeat: int) -> list[float]:
    """Wall times of ``schemasync check --offline`` in ``root``, after one warm-up run."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",)}
    env["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/unreachable"
    command = [sys.executable, "-m", "schemasync", "check", "--offline"]
    times: list[float] = []
    for attempt in range(repeat + 1):
        start = time.perf_counter()
        done = subprocess.run(
            command, cwd=root, env=env, capture_output=True, text=True, check=False
        )
        elapsed = time.perf_counter() - start
        if done.returncode not in (0, 1):
            raise SystemExit(f"check failed ({done.returncode}): {done.stderr}")
        if attempt:
            times.append(elapsed)
    return times


def line(label: str, times: list[float]) -> str:
    """One result line: best and median milliseconds."""
    best, median = min(times) * 1000, statistics.median(times) * 1000
    return f"{label:<36} best {best:6.0f} ms   median {median:6.0f} ms"


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tables", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_project(root, args.tables)
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        print(f"project: {args.tables} tables x 20 columns, {size / 2**20:.2f} MiB on disk")
        print(line("check --offline, nothing changed", timed_command(root, args.repeat)))
        with (root / "pyproject.toml").open("a") as handle:
            handle.write('\n[tool.schemasync.naming]\n"public.nothing" = "Nothing"\n')
        print(line("check --offline, settings changed", timed_command(root, args.repeat)))


if __name__ == "__main__":
    main()
