"""Decoding JSON rows: the generated msgspec Row against the generated Pydantic Row.

Usage: python benchmarks/decode.py [--rows 100000] [--repeat 5]

One table of the synthetic schema of ``benchmarks/emit.py`` (20 columns: text, integers,
numeric(10,2), timestamptz, bool, uuid, jsonb, an enum, arrays, varchar(40), bytea) is
emitted by the msgspec and the pydantic emitters through the real plugin host (``json``
profile: what PostgREST sends), and both modules are imported. ``--rows`` rows
are built as one JSON array, then decoded ``--repeat`` times into a list of Rows:
``msgspec.json.decode(data, type=list[Row])`` and ``TypeAdapter(list[Row]).validate_json``.
The best and median times of each are printed, and how many times faster msgspec is.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import statistics
import sys
import tempfile
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import msgspec
from emit import line, synthetic_schema, timed

from schemasync.codegen.generate import choose_emitters, plan
from schemasync.config import Config, Settings
from schemasync.plugins import load_plugins

ROW_CLASS = "Table0000ItemRow"


def generated_module(emitter: str, folder: Path) -> ModuleType:
    """The ``json``-profile module ``emitter`` writes for a one-table synthetic schema."""
    host = load_plugins()
    config = Config(
        settings=Settings(
            emit=(emitter,),
            # One module to import by path, whatever the emitter's default layout.
            emitters={emitter: {"output": emitter, "profile": "json", "layout": "module"}},
        ),
        path=folder / "pyproject.toml",
    )
    files, _, _ = plan(
        host,
        config,
        synthetic_schema(1),
        choose_emitters(host, config, []),
        now=dt.datetime.now(dt.timezone.utc),
    )
    (models,) = [f for f in files if f.path.name == "models.py" and f.path.parent.name == emitter]
    path = folder / f"{emitter}_models.py"
    path.write_bytes(models.content)
    spec = importlib.util.spec_from_file_location(f"{emitter}_models", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves annotations through the module
    spec.loader.exec_module(module)
    return module


def json_rows(count: int) -> bytes:
    """``count`` rows as PostgreSQL's ``json_agg`` writes them: every column set, nulls in
    the nullable ones every third row."""
    rows: list[dict[str, Any]] = []
    for n in range(count):
        sparse = n % 3 == 0
        rows.append(
            {
                "id": n + 1,
                "name": f"item {n}",
                "description": None if sparse else "A thing worth having.",
                "quantity": n % 100,
                "big_count": None if sparse else n * 1_000_003,
                "price": None if sparse else round(n * 0.37 % 10_000, 2),
                "created_at": "2024-05-01T12:34:56.789012+00:00",
                "updated_at": None if sparse else "2024-05-02T08:00:00+02:00",
                "active": n % 2 == 0,
                "external_id": str(uuid.UUID(int=n)),
                "payload": None if sparse else {"kind": "order", "lines": [1, 2, 3]},
                "settings": {"theme": "dark"},
                "status": ("new", "in progress", "done", "cancelled")[n % 4],
                "tags": None if sparse else ["a", "b", None],
                "scores": [n % 7, n % 11],
                "ratio": n / 7,
                "due_on": None if sparse else "2024-12-31",
                "code": f"C{n:08d}",
                "blob": None,
                "parent_id": None if sparse else n,
            }
        )
    return json.dumps(rows).encode()


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import pydantic

    with tempfile.TemporaryDirectory() as folder:
        # Classes found at run time: their list types are built, not written.
        msgspec_rows: Any = list.__class_getitem__(
            getattr(generated_module("msgspec", Path(folder)), ROW_CLASS)
        )
        pydantic_rows: Any = list.__class_getitem__(
            getattr(generated_module("pydantic", Path(folder)), ROW_CLASS)
        )
    data = json_rows(args.rows)
    print(f"{args.rows:,} JSON rows of 20 columns, {len(data) / 2**20:.1f} MiB")

    decoder = msgspec.json.Decoder(msgspec_rows)
    adapter = pydantic.TypeAdapter[Any](pydantic_rows)
    # Both decode the same rows to the same values (checked on the first, to stay fair).
    first_m, first_p = decoder.decode(data)[0], adapter.validate_json(data)[0]
    assert msgspec.structs.asdict(first_m) == first_p.model_dump(), "the Rows disagree"

    msgspec_times = timed(args.repeat, lambda: decoder.decode(data))
    pydantic_times = timed(args.repeat, lambda: adapter.validate_json(data))
    print(line("msgspec (list[Row])", msgspec_times))
    print(line("pydantic (list[Row])", pydantic_times))
    ratio = statistics.median(pydantic_times) / statistics.median(msgspec_times)
    print(f"msgspec is {ratio:.1f}x faster (median)")


if __name__ == "__main__":
    main()
