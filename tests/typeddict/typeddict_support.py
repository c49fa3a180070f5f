"""Helpers of the TypedDict emitter tests: the golden cases, generating code from a database
through ``schemasync.codegen.generate.plan``, running the checkers on it, and writing rows as
literals."""

from __future__ import annotations

import datetime
import importlib.util
import ipaddress
import subprocess
import sys
import uuid
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from pathlib import Path
from types import ModuleType

from psycopg.types.multirange import Multirange
from psycopg.types.range import Range

from schemasync import __version__, ir
from schemasync.api import EmitContext, Profile
from schemasync.codegen.generate import choose_emitters, plan
from schemasync.codegen.model import ModelSet
from schemasync.config import Config, Settings
from schemasync.pipeline import SourceChoice, read_schema
from schemasync.plugins import PluginHost
from schemasync_typeddict import RESERVED, TypedDictOptions

#: The golden files, one folder per case.
GOLDEN = Path(__file__).parent / "golden"
#: When the lock and schema_version.py say the schema changed, so a run is reproducible.
NOW = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
#: The emitter's output folder, relative to the project root of a generation.
OUTPUT = "out"


@dataclass(frozen=True)
class Case:
    """One golden case: a SQL fixture generated with one set of emitter options."""

    fixture: str
    variant: str
    options: Mapping[str, object] = field(hash=False)

    @property
    def name(self) -> str:
        """The golden folder's name."""
        return f"{self.fixture}-{self.variant}"

    @property
    def package(self) -> str:
        """A Python package name for the case's output."""
        return self.name.replace("-", "_")

    @property
    def python(self) -> str:
        """The oldest Python the generated code is for."""
        return str(self.options.get("target_python", "3.10"))


VARIANTS: Mapping[str, Mapping[str, object]] = {
    "python-module": {"profile": "python", "layout": "module"},
    "json-module": {"profile": "json", "layout": "module"},
    "python-package-strenum": {
        "profile": "python",
        "layout": "package",
        "enum_style": "strenum",
        "target_python": "3.11",
    },
    "json-str-enum": {"profile": "json", "enum_style": "str-enum"},
    "json-lazy-package": {"profile": "json", "layout": "lazy-package"},
}
FIXTURES = ("everything", "types")
CASES = tuple(Case(f, variant, options) for f in FIXTURES for variant, options in VARIANTS.items())
#: The ``embedded_rows`` option, on its own fixture, in the layouts that place the variants
#: differently: at the end of the module, and in a module of their own.
CASES += (
    Case("embedded", "json-module", {"profile": "json", "layout": "module", "embedded_rows": True}),
    Case(
        "embedded",
        "json-lazy-package",
        {"profile": "json", "layout": "lazy-package", "embedded_rows": True},
    ),
)


def load_schema(host: PluginHost, dsn: str) -> ir.Schema:
    """The normalised schema of the database at ``dsn``, read as ``schemasync run`` reads it."""
    return read_schema(host, Config(), SourceChoice(target=dsn))


def project_config(root: Path, options: Mapping[str, object]) -> Config:
    """A project in ``root`` emitting TypedDicts with ``options`` into :data:`OUTPUT`."""
    return Config(
        settings=Settings(
            emit=("typeddict",), emitters={"typeddict": {"output": OUTPUT, **options}}
        ),
        path=root / "pyproject.toml",
    )


def generate(
    host: PluginHost, schema: ir.Schema, options: Mapping[str, object], root: Path
) -> dict[str, bytes]:
    """What ``schemasync run`` would write for ``schema`` with these typeddict options, by
    path inside the output folder (the lock and schema_version.py left out). Writes nothing.
    """
    config = project_config(root, options)
    files, _, _ = plan(host, config, schema, choose_emitters(host, config, []), now=NOW)
    output = root / OUTPUT
    return {
        f.path.relative_to(output).as_posix(): f.content
        for f in files
        if f.path.is_relative_to(output)
    }


def write_package(folder: Path, files: Mapping[str, bytes]) -> Path:
    """Write ``files`` into ``folder``, made a package (an empty ``__init__.py`` if none)."""
    for relative, content in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    (folder / "__init__.py").touch()
    return folder


def model_set(
    host: PluginHost, schema: ir.Schema, profile: Profile, *, embedded_rows: bool = False
) -> ModelSet:
    """The classes the typeddict emitter generates, with their names (any enum style)."""
    context = EmitContext(
        options=TypedDictOptions(profile=profile, embedded_rows=embedded_rows),
        profile=profile,
        schema_hash=ir.schema_hash(schema),
        tool_version=__version__,
        decide_name=lambda request: host.hook.schemasync_name(request=request),
        map_type=lambda request: host.hook.schemasync_map_type(request=request),
    )
    return context.models(schema, target="typeddict", reserved_names=RESERVED)


def import_path(path: Path) -> ModuleType:
    """Import the generated module at ``path`` under a name of its own."""
    name = f"schemasync_generated_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- checkers ----------------------------------------------------------------------------


def run_python(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The test environment's interpreter with ``args`` (``-m tool ...``), output captured."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def mypy(
    paths: Sequence[str], *, cwd: Path, python: str, cache: Path
) -> subprocess.CompletedProcess[str]:
    """``mypy --strict`` for ``python``, with a config of its own (not the repository's)."""
    config = cwd / f"mypy-{python}.ini"
    config.write_text(f"[mypy]\nstrict = True\npython_version = {python}\n", encoding="utf-8")
    return run_python(
        "-m", "mypy", "--config-file", str(config), "--cache-dir", str(cache), *paths, cwd=cwd
    )


def mypy_errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The ``error:`` lines of a mypy run."""
    return [line for line in result.stdout.splitlines() if ": error:" in line]


# --- rows as literals -------------------------------------------------------------------------

#: What the repr of every value psycopg or json.loads gives needs, for a check file.
LITERAL_IMPORTS = """\
import datetime
import zoneinfo
from decimal import Decimal
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
)
from uuid import UUID

from psycopg.types.multirange import Multirange
from psycopg.types.range import Range

from . import models
"""


def literal_namespace(models: ModuleType) -> dict[str, object]:
    """The names :data:`LITERAL_IMPORTS` binds, ``models`` being the generated module."""
    namespace: dict[str, object] = {
        "datetime": datetime,
        "zoneinfo": zoneinfo,
        "Decimal": Decimal,
        "UUID": uuid.UUID,
        "Multirange": Multirange,
        "Range": Range,
        "models": models,
    }
    for name in ("Address", "Interface", "Network"):
        for version in (4, 6):
            kind = f"IPv{version}{name}"
            namespace[kind] = getattr(ipaddress, kind)
    return namespace


def literal(value: object) -> str:
    """Python source that evaluates to ``value``: its repr, but enum members are spelled as
    ``models.Class.MEMBER`` (psycopg gives them for enums registered as Enum classes)."""
    if isinstance(value, Enum):
        return f"models.{type(value).__name__}.{value.name}"
    if isinstance(value, dict):
        items = ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items())
        return f"{{{items}}}"
    if isinstance(value, list):
        return f"[{', '.join(literal(v) for v in value)}]"
    return repr(value)


@dataclass
class CheckFile:
    """A module of annotated assignments for a type checker: ``value_N: models.Cls = ...``."""

    namespace: Mapping[str, object]
    lines: list[str] = field(default_factory=lambda: [LITERAL_IMPORTS])

    def assign(self, cls: str, value: object, *, source: str | None = None) -> int:
        """Add ``value`` (written as ``source`` if given) as a ``models.cls``; returns its
        line number. The literal is first checked to evaluate back to ``value`` exactly."""
        if source is None:
            source = literal(value)
            assert eval(source, dict(self.namespace)) == value, source
        self.lines.append(f"value_{len(self.lines)}: models.{cls} = {source}")
        return sum(part.count("\n") + 1 for part in self.lines[:-1]) + 1

    def write(self, path: Path) -> None:
        """Write the module."""
        path.write_text("\n".join(self.lines) + "\n", encoding="utf-8")
