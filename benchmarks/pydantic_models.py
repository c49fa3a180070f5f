"""Time to emit Pydantic models for wide schemas, and to import them: no database needed.

Usage: python benchmarks/pydantic_models.py [--tables 400 1000] [--repeat 5]

The synthetic schema of ``benchmarks/emit.py`` (N tables x 20 columns: text, integers,
numeric(10,2), timestamptz, bool, uuid, jsonb, an enum, arrays, varchar(40); nullable,
NOT NULL, defaulted and identity columns; comments) is emitted by the pydantic emitter
through the real plugin host. For each size it prints the best and median emit time, the
size of the module, then the time a fresh interpreter takes to import it (pydantic itself
already imported), with its bytecode cached (what users see after the first run) and
without (the first run), and the time the first validation of one model takes (models build
their validators on first use: ``defer_build``).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from emit import context, line, synthetic_schema, timed

from schemasync import ir
from schemasync.api import GeneratedFile
from schemasync.plugins import load_plugins

EMITTER = "pydantic"
#: Run in a fresh interpreter: prints the import time, then the first validation's.
PROBE = """
import sys, time
import pydantic
start = time.perf_counter()
import models
imported = time.perf_counter() - start
start = time.perf_counter()
try:
    models.Table0000ItemInsert.model_validate({"name": "x", "code": "c"})
except pydantic.ValidationError:
    raise SystemExit("the probe's insert did not validate")
print(imported, time.perf_counter() - start)
"""


def probe(folder: Path, *, bytecode: bool) -> tuple[float, float]:
    """Import time and first-validation time of ``folder/models.py`` in a fresh interpreter."""
    flags = [] if bytecode else ["-B"]
    env_flag = {} if bytecode else {"PYTHONDONTWRITEBYTECODE": "1"}
    if bytecode:
        # Compile once, as the first import of a real project would.
        subprocess.run(
            [sys.executable, "-c", "import compileall; compileall.compile_dir('.', quiet=1)"],
            cwd=folder,
            check=True,
        )
    result = subprocess.run(
        [sys.executable, *flags, "-c", PROBE],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
        env={**_environ(), **env_flag},
    )
    imported, validated = map(float, result.stdout.split())
    return imported, validated


def _environ() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tables", type=int, nargs="+", default=[400, 1000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    host = load_plugins()
    emitter = host.emitter(EMITTER)
    print(f"Python {sys.version.split()[0]}")
    for tables in args.tables:
        schema = synthetic_schema(tables)
        emit_context = context(host, emitter, ir.schema_hash(schema))
        files: list[GeneratedFile] = []

        def emit() -> None:
            files[:] = emitter.emit(schema, emit_context)  # noqa: B023 - run at once

        print(f"\n{tables} tables x 20 columns ({3 * tables} models)")
        print(line(f"emit ({EMITTER})", timed(args.repeat, emit)))
        (models,) = files
        size, lines = len(models.content) / 2**20, models.content.count(b"\n")
        print(f"{'output':<28} {size:.2f} MiB, {lines:,} lines")
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            (folder / "models.py").write_bytes(models.content)
            for bytecode in (True, False):
                runs = [probe(folder, bytecode=bytecode) for _ in range(args.repeat)]
                label = "import, bytecode cached" if bytecode else "import, no bytecode"
                imports = [r[0] for r in runs]
                print(line(label, imports))
                if bytecode:
                    first = statistics.median(r[1] for r in runs)
                    print(f"{'first validation (1 model)':<28} median {first:.3f} s")


if __name__ == "__main__":
    main()
