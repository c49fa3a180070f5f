"""Time to emit Pydantic models for wide schemas, and to import and use them: no database.

Usage: python benchmarks/pydantic_models.py [--tables 400 1000] [--repeat 5]
    [--layout module lazy-package]

The synthetic schema of ``benchmarks/emit.py`` (N tables x 20 columns: text, integers,
numeric(10,2), timestamptz, bool, uuid, jsonb, an enum, arrays, varchar(40); nullable,
NOT NULL, defaulted and identity columns; comments) is emitted by the pydantic emitter
through the real plugin host, in each layout. For each size and layout it prints the best
and median emit time and the size of the output, then, in a fresh interpreter each time
(pydantic itself already imported), with the bytecode cached (``cached``: what users see
after the first run) and without it (``no .pyc``: the first run):

- ``import``: ``import models``, the package or module;
- ``first model``: then the first validation of one model (its module imported if the
  layout is lazy, its validator built: ``defer_build``);
- ``all models``: then every exported name reached, so every class created;
- ``all validators``: then every model's validator built (bytecode cached only: building
  does not read files).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import get_args

from emit import line, synthetic_schema, timed

from schemasync import ir
from schemasync.api import GeneratedFile, Layout
from schemasync.codegen.generate import emit_context
from schemasync.config import Config
from schemasync.plugins import load_plugins

EMITTER = "pydantic"
#: Run in a fresh interpreter: prints the four times, in seconds, the module docstring lists.
PROBE = """
import time
import pydantic
start = time.perf_counter()
import models
imported = time.perf_counter() - start
start = time.perf_counter()
try:
    models.Table0000ItemInsert.model_validate({"name": "x", "code": "c"})
except pydantic.ValidationError:
    raise SystemExit("the probe's insert did not validate")
first = time.perf_counter() - start
start = time.perf_counter()
values = [getattr(models, name) for name in dir(models) if not name.startswith("_")]
created = time.perf_counter() - start
start = time.perf_counter()
for value in values:
    if isinstance(value, type) and issubclass(value, pydantic.BaseModel):
        if value is not pydantic.BaseModel:
                value.model_rebuild(force=True)
print(imported, first, created, time.perf_counter() - start)
"""
LABELS = ("import", "first model", "all models", "all validators")


def probe(folder: Path, *, bytecode: bool) -> tuple[float, ...]:
    """The times of :data:`PROBE` for the ``models`` package or module in ``folder``."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if bytecode:
        # Compile once, as the first import of a real project would.
        subprocess.run(
            [sys.executable, "-c", "import compileall; compileall.compile_dir('.', quiet=1)"],
            cwd=folder,
            check=True,
            env=env,
        )
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    result = subprocess.run(
        [sys.executable, *([] if bytecode else ["-B"]), "-c", PROBE],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return tuple(map(float, result.stdout.split()))


def write(folder: Path, files: list[GeneratedFile]) -> None:
    """Write the emitted files as the ``models`` module or package under ``folder``."""
    for file in files:
        path = folder / file.path if file.path == "models.py" else folder / "models" / file.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(file.content)


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tables", type=int, nargs="+", default=[400, 1000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--layout", nargs="+", choices=get_args(Layout), default=["module", "lazy-package"]
    )
    args = parser.parse_args()

    host = load_plugins()
    emitter = host.emitter(EMITTER)
    print(f"Python {sys.version.split()[0]}; best and median of {args.repeat} runs")
    for tables in args.tables:
        schema = synthetic_schema(tables)
        schema_hash = ir.schema_hash(schema)
        for layout in args.layout:
            options = emitter.options_type(layout=layout)
            emit_ctx = emit_context(host, Config(), options, schema_hash)
            files: list[GeneratedFile] = []

            def emit() -> None:
                files[:] = emitter.emit(schema, emit_ctx)  # noqa: B023 - run at once

            print(f"\n{tables} tables x 20 columns ({3 * tables} models), layout {layout!r}")
            print(line(f"emit ({EMITTER})", timed(args.repeat, emit)))
            size = sum(len(f.content) for f in files) / 2**20
            lines = sum(f.content.count(b"\n") for f in files)
            print(f"{'output':<28} {len(files):,} files, {size:.2f} MiB, {lines:,} lines")
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                write(folder, files)
                for bytecode in (True, False):
                    runs = [probe(folder, bytecode=bytecode) for _ in range(args.repeat)]
                    cached = "cached" if bytecode else "no .pyc"
                    for index, label in enumerate(LABELS if bytecode else LABELS[:-1]):
                        print(line(f"{label}, {cached}", [r[index] for r in runs]))


if __name__ == "__main__":
    main()
