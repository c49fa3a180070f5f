"""Configuration: ``[tool.schemasync]`` in ``pyproject.toml``, or a ``schemasync.toml``.

The database URL is never read from the file: the file names the environment variables that
hold it. Unknown keys and wrong types are errors naming the key and the file.

Also where schemasync keeps, outside the project, what only saves time: :func:`cache_folder`.
"""

from __future__ import annotations

import ast
import os
import re
import sys
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal, cast

import msgspec

from schemasync.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

__all__ = [
    "DEFAULT_DSN_ENV",
    "Config",
    "LintSettings",
    "Settings",
    "TypeOverride",
    "cache_folder",
    "find_config",
    "load_config",
]

DEFAULT_DSN_ENV = ("SUPABASE_DB_URL", "DATABASE_URL")
CONFIG_FILE = "schemasync.toml"
PYPROJECT = "pyproject.toml"
#: The range of ``statement_timeout`` PostgreSQL accepts, in seconds (whole milliseconds).
MIN_STATEMENT_TIMEOUT_S = 0.001
MAX_STATEMENT_TIMEOUT_S = 2_147_483.647
#: ruff's and black's default line length.
DEFAULT_LINE_LENGTH = 88
#: The line lengths ``line_length`` accepts: up to ruff's maximum; from a floor under which
#: few generated statements fit and the layout is not checked against ruff's (the headers
#: of ``if`` and ``for`` blocks, short in generated code, are never split).
MIN_LINE_LENGTH = 60
MAX_LINE_LENGTH = 320


SeverityName = Literal["low", "medium", "high", "critical"]


class TypeOverride(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A hand-chosen Python type: ``{annotation = "Decimal", imports = ["decimal.Decimal"]}``."""

    annotation: str
    #: ``module.Name`` for each name the annotation uses.
    imports: tuple[str, ...] = ()


#: snake_case: lower-case words of letters and digits joined by single underscores.
SNAKE_CASE = r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$"


class LintSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``[tool.schemasync.lint]``: the naming rules of ``schemasync lint-migrations``."""

    #: Regular expressions that table, column and enum names must match (``re.search``).
    tables: str = SNAKE_CASE
    columns: str = SNAKE_CASE
    enums: str = SNAKE_CASE
    #: Table names must be plural (``require``), must not be (``forbid``), or either (``any``).
    plural: Literal["any", "require", "forbid"] = "any"


class Settings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, rename="kebab"):
    """The keys of ``[tool.schemasync]``. Both ``snake_case`` and ``kebab-case`` are read."""

    #: Environment variables tried in order for the database URL.
    dsn_env: tuple[str, ...] = DEFAULT_DSN_ENV
    #: The source kind read by default.
    source: str = "postgres"
    #: Schemas to read; empty means every user schema.
    include_schemas: tuple[str, ...] = ()
    exclude_schemas: tuple[str, ...] = ()
    #: ``fnmatch`` patterns on ``schema.table`` of relations to leave out.
    exclude_tables: tuple[str, ...] = ()
    #: Seconds one introspection query may run before it is cancelled.
    statement_timeout: float = 30.0
    #: Seconds introspection waits for a lock another session holds on a user table.
    lock_timeout: float = 5.0
    profile: Literal["python", "json"] = "python"
    #: Targets ``schemasync run`` emits when ``--emit`` is not given.
    emit: tuple[str, ...] = ()
    #: The line length generated Python is laid out for, as ``ruff format --line-length``
    #: lays it out, so that the formatter leaves the files unchanged.
    line_length: Annotated[int, msgspec.Meta(ge=MIN_LINE_LENGTH, le=MAX_LINE_LENGTH)] = (
        DEFAULT_LINE_LENGTH
    )
    #: Where the canonical schema of the last sync is kept, relative to the project root.
    lock_file: str = "schemasync.lock"
    #: Where ``schema_version.py`` is written, relative to the project root.
    version_file: str = "schema_version.py"
    #: Python names chosen by hand: ``"schema.enum"``, ``"schema.table:row"`` (or
    #: ``:insert`` / ``:update``), ``"schema.table.column"``, ``"schema.enum.label"``.
    naming: dict[str, str] = msgspec.field(default_factory=dict[str, str])
    #: Python types chosen by hand for PostgreSQL types (``"pg_catalog.numeric"``, with
    #: ``[]`` per array dimension): an annotation, or ``{annotation, imports}``.
    types: dict[str, str | TypeOverride] = msgspec.field(
        default_factory=dict[str, "str | TypeOverride"]
    )
    #: Options of each target, ``[tool.schemasync.emitters.NAME]``; each emitter checks its own.
    emitters: dict[str, dict[str, object]] = msgspec.field(
        default_factory=dict[str, dict[str, object]]
    )
    #: Lowest severity that makes ``schemasync check`` fail (exit 1).
    fail_on: SeverityName = "high"
    #: What ``check`` compares the database with by default: ``lock``, ``code`` or ``both``.
    against: Literal["lock", "code", "both"] = "both"
    #: Glob patterns (relative to the project root) of committed Python files holding models
    #: to check against the database; the emitters' output folders are always included.
    models: tuple[str, ...] = ()
    #: Model or enum classes the naming rules cannot place: class name to ``schema.name``
    #: (a table, view, enum or composite type), with ``:insert`` / ``:update`` for those roles.
    model_names: dict[str, str] = msgspec.field(default_factory=dict[str, str])
    #: Severity per change kind, overriding plugins and the defaults; keys may use ``*``.
    severity: dict[str, SeverityName] = msgspec.field(default_factory=dict[str, "SeverityName"])
    #: The folder of SQL migrations the ``migrations`` source reads, from the project root.
    migrations_dir: str = "supabase/migrations"
    #: The Supabase compatibility layer of the ``migrations`` source: on, off, or ``auto``
    #: (on when the folder is ``supabase/migrations``).
    supabase: bool | Literal["auto"] = "auto"
    lint: LintSettings = msgspec.field(default_factory=LintSettings)
    #: Where ``check --record`` appends the drift history, relative to the project root.
    history_file: str = "schemasync-history.jsonl"
    #: ``[tool.schemasync.notify]``: ``min_severity``, ``timeout``, ``retries``, and one table
    #: per target (``url_env``, ``kind``...); checked by :mod:`schemasync.publish.notify`.
    notify: dict[str, object] = msgspec.field(default_factory=dict[str, object])
    #: Settings of third-party plugins, one table each: ``[tool.schemasync.plugins.NAME]``.
    #: Their keys are the plugin's own business, so they are not checked here.
    plugins: dict[str, dict[str, object]] = msgspec.field(
        default_factory=dict[str, dict[str, object]]
    )


@dataclass(frozen=True)
class Config:
    """Settings plus where they came from."""

    settings: Settings = field(default_factory=Settings)
    #: The file the settings were read from; ``None`` when no file configures schemasync.
    path: Path | None = None
    #: The raw table, for plugins that read keys of their own.
    raw: Mapping[str, object] = field(default_factory=dict[str, object])

    @property
    def root(self) -> Path:
        """The project folder: where the config file lives, else the working directory."""
        return self.path.parent if self.path else Path.cwd()

    @property
    def origin(self) -> str:
        """How messages refer to the settings' origin."""
        return self.table()

    def table(self, name: str = "") -> str:
        """A table of the settings as the user writes it, and its file: ``table("emitters.
        pydantic")`` is ``[tool.schemasync.emitters.pydantic] in pyproject.toml``, or
        ``[emitters.pydantic] in schemasync.toml``."""
        if self.path is None:
            return f"[{name}] of the defaults" if name else "the defaults"
        if self.path.name == PYPROJECT:
            return f"[tool.schemasync{'.' + name if name else ''}] in {self.path}"
        return f"[{name}] in {self.path}" if name else f"the top level of {self.path}"

    def dsn(self, explicit_env: str | None = None) -> str:
        """The database URL from the environment; :class:`ConfigError` when none is set.

        :param explicit_env: a variable named on the command line, tried alone.
        """
        names = (explicit_env,) if explicit_env else self.settings.dsn_env
        for name in names:
            value = os.environ.get(name, "").strip()
            if value:
                return value
        tried = ", ".join(names)
        raise ConfigError(
            f"no database URL: none of {tried} is set",
            hint=f"export {names[0]}=postgresql://USER@HOST:5432/DBNAME",
        )


def normalise_keys(table: Mapping[str, object]) -> dict[str, object]:
    """``snake_case`` keys in the ``kebab-case`` the settings structs are declared with."""
    return {key.replace("_", "-"): value for key, value in table.items()}


_AT = re.compile(r" - at `\$\.?([^`]*)`$")


def _field_types(struct: type) -> dict[str, object]:
    """The snake_case keys of a settings struct and their types."""
    return {
        name.replace("-", "_"): hint
        for name, hint in typing.get_type_hints(struct).items()
        if name in getattr(struct, "__struct_fields__", ())
    }


def _type_at(struct: type, where: str) -> object:
    """The type of the key at ``where`` (``lint.plural``; list indexes dropped), or None."""
    current: object = struct
    for part in where.split("."):
        if not part:
            continue
        fields = _field_types(current) if isinstance(current, type) else {}
        current = fields.get(re.sub(r"\[\d+\]$", "", part))
    return current


def _nearest(word: str, choices: list[str]) -> str:
    """`` (did you mean `NAME`?)``-style words for the closest choice, or nothing."""
    import difflib

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`? " if close else ""


def explain(
    error: msgspec.ValidationError, origin: str, struct: type | None = None
) -> tuple[str, str | None]:
    """One line naming the key that ``error`` is about and where it was read from, and a
    hint: the nearest allowed key or value and the whole list, when ``struct`` (the
    settings type the table was read into) tells them."""
    text = str(error)
    match = _AT.search(text)
    where = match.group(1).replace("-", "_") if match else ""
    text = _AT.sub("", text)
    unknown = re.match(r"Object contains unknown field `([^`]+)`", text)
    if unknown:
        key = unknown.group(1).replace("-", "_")
        full = f"{where}.{key}" if where else key
        parent = _type_at(struct, where) if struct else None
        hint = None
        if isinstance(parent, type):
            keys = sorted(_field_types(parent))
            hint = f"{_nearest(key, keys)}allowed keys: {', '.join(keys)}"
        return f"unknown key {full!r} in {origin}", hint
    hint = None
    value = re.match(r"Invalid enum value '?([^']*)'?", text)
    if value and struct:
        allowed = [str(a) for a in _literal_values(_type_at(struct, where)) if isinstance(a, str)]
        if allowed:
            hint = f"{_nearest(value.group(1), allowed)}allowed values: {', '.join(allowed)}"
    # msgspec says e.g. "Expected `str`, got `int`".
    text = text[0].lower() + text[1:]
    return (f"{where!r} in {origin}: {text}" if where else f"{origin}: {text}"), hint


def _literal_values(annotation: object) -> tuple[object, ...]:
    """The members of a ``Literal`` (also inside a union), flattened."""
    args: list[object] = []
    for arg in typing.get_args(annotation):
        args.extend(_literal_values(arg) if typing.get_args(arg) else [arg])
    return tuple(args)


def _parse(path: Path) -> Mapping[str, object] | None:
    """The schemasync table of ``path``, or None when a pyproject has none."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    if path.name != PYPROJECT:
        return dict(data)
    tool: object = data.get("tool", {})
    table: object = (
        cast("dict[str, object]", tool).get("schemasync") if isinstance(tool, dict) else None
    )
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"[tool.schemasync] in {path} must be a table")
    return dict(cast("dict[str, object]", table))


def find_config(start: Path) -> Path | None:
    """The nearest ``schemasync.toml``, or ``pyproject.toml`` with ``[tool.schemasync]``,
    in ``start`` or its parents."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
        candidate = folder / PYPROJECT
        if candidate.is_file() and _parse(candidate) is not None:
            return candidate
    return None


def load_config(path: Path | None = None, *, start: Path | None = None) -> Config:
    """Read the configuration.

    :param path: an explicit file (``--config``); it must exist and configure schemasync.
    :param start: where to look upwards from when ``path`` is not given.
    :returns: the settings, defaults where the file is silent.
    :raises ConfigError: unreadable file, bad TOML, unknown key, wrong type, a stored DSN.
    """
    if path is None:
        path = find_config(start or Path.cwd())
        if path is None:
            return Config()
    elif not path.exists():
        raise ConfigError(f"config file {path} does not exist")
    elif path.is_dir():
        raise ConfigError(f"config file {path} is a folder", hint="name a TOML file")
    table = _parse(path)
    if table is None:
        raise ConfigError(f"{path} has no [tool.schemasync] table")
    origin = Config(path=path).origin
    for secret in ("dsn", "database_url", "url"):
        # Both spellings are read, so both are refused: database-url as well as database_url.
        if secret in table or secret.replace("_", "-") in table:
            raise ConfigError(
                f"{secret!r} in {origin}: the database URL must not be stored in a file",
                hint="name the environment variable that holds it with dsn_env",
            )
    if isinstance(table.get("dsn_env"), str):
        table = {**table, "dsn_env": [table["dsn_env"]]}
    try:
        settings = msgspec.convert(normalise_keys(table), Settings)
    except msgspec.ValidationError as exc:
        message, hint = explain(exc, origin, Settings)
        raise ConfigError(message, hint=hint) from exc
    if not settings.dsn_env:
        raise ConfigError(f"'dsn_env' in {origin} must name at least one variable")
    # Written as a range so that nan fails too; the server takes whole milliseconds up to
    # 2**31 - 1, and rounds anything under one millisecond to 0, which means no timeout.
    if not MIN_STATEMENT_TIMEOUT_S <= settings.statement_timeout <= MAX_STATEMENT_TIMEOUT_S:
        raise ConfigError(
            f"'statement_timeout' in {origin} must be a positive number of seconds, "
            f"from {MIN_STATEMENT_TIMEOUT_S} to {MAX_STATEMENT_TIMEOUT_S}"
        )
    if not MIN_STATEMENT_TIMEOUT_S <= settings.lock_timeout <= MAX_STATEMENT_TIMEOUT_S:
        raise ConfigError(
            f"'lock_timeout' in {origin} must be a positive number of seconds, "
            f"from {MIN_STATEMENT_TIMEOUT_S} to {MAX_STATEMENT_TIMEOUT_S}"
        )
    for key in ("tables", "columns", "enums"):
        try:
            re.compile(getattr(settings.lint, key))
        except re.error as exc:
            raise ConfigError(
                f"'lint.{key}' in {origin} is not a regular expression: {exc}"
            ) from exc
    for pg_type, override in settings.types.items():
        _check_override(pg_type, override, origin)
    # /dev/null or a pipe: its folder is not the project, the working directory is.
    return Config(settings=settings, path=path if path.is_file() else None, raw=table)


def _check_override(pg_type: str, override: str | TypeOverride, origin: str) -> None:
    """Refuse a ``types`` override that would be written as broken code: the annotation
    must be one Python expression, and each import a dotted ``module.Name``."""
    annotation = override if isinstance(override, str) else override.annotation
    try:
        ast.parse(annotation, mode="eval")
    except SyntaxError:
        raise ConfigError(
            f"'types.{pg_type}' in {origin}: {annotation!r} is not a Python annotation",
            hint='write a type expression, e.g. "Decimal" or "list[int] | None"',
        ) from None
    imports = () if isinstance(override, str) else override.imports
    for name in imports:
        if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+", name):
            raise ConfigError(
                f"'types.{pg_type}' in {origin}: import {name!r} is not a dotted module.Name",
                hint='e.g. imports = ["decimal.Decimal"]',
            )


def cache_folder(name: str) -> Path | None:
    """The writable folder ``name`` in schemasync's cache folder (``$XDG_CACHE_HOME``, else
    ``~/.cache``, then ``schemasync``), created if need be, or ``None`` when there is none
    (a read-only home, no home at all).

    What is kept there (compiled templates, canonical forms of view definitions, which
    generated files compile) only saves time: each entry is checked or keyed by what it was
    made from, and a missing, stale or unwritable cache only means the work is done again."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base, "schemasync", name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None
