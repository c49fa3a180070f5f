"""``schemasync init``: a first configuration, with the defaults this project calls for.

It writes ``[tool.schemasync]`` into ``pyproject.toml`` (through tomlkit, so the file's
comments and layout stay), or a ``schemasync.toml`` when there is no ``pyproject.toml``.
What it finds decides the defaults: a ``supabase/migrations/`` folder makes the migrations
the source; a database URL in the environment whose database has Supabase's ``auth`` and
``storage`` schemas limits the models to ``public``. ``--pre-commit`` adds the offline check
to ``.pre-commit-config.yaml`` and ``--github`` writes a workflow running it. Nothing that
exists is overwritten without ``--force``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from schemasync.codegen.output import PlannedFile, write_atomically
from schemasync.config import CONFIG_FILE, DEFAULT_DSN_ENV, PYPROJECT
from schemasync.errors import ConfigError, DatabaseError, UsageError
from schemasync.plugins import ACTION

__all__ = [
    "PRE_COMMIT_CONFIG",
    "WORKFLOW",
    "InitResult",
    "init_project",
    "pre_commit_entry",
    "workflow",
]

SUPABASE_MIGRATIONS = "supabase/migrations"
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
WORKFLOW = ".github/workflows/schemasync.yml"
HOOK_ID = "schemasync-check"


@dataclass
class InitResult:
    """What ``init`` wrote and what it found, one line each for the user."""

    written: list[Path] = field(default_factory=list[Path])
    notices: list[str] = field(default_factory=list[str])


def _supabase_database(dsn: str) -> bool:
    from schemasync.sources.builtin import is_supabase_database
    from schemasync.sources.connect import connect

    with connect(dsn) as conn:
        return is_supabase_database(conn)


def _settings(root: Path, emit: Sequence[str], result: InitResult) -> dict[str, object]:
    """The keys to write, each chosen from what the project and environment hold."""
    settings: dict[str, object] = {}
    if (root / SUPABASE_MIGRATIONS).is_dir():
        settings["source"] = "migrations"
        settings["migrations_dir"] = SUPABASE_MIGRATIONS
        result.notices.append(
            f"found {SUPABASE_MIGRATIONS}/: models are built from the migrations "
            '(source = "migrations"), no database needed'
        )
    else:
        settings["dsn_env"] = list(DEFAULT_DSN_ENV)
    dsn_name = next((n for n in DEFAULT_DSN_ENV if os.environ.get(n, "").strip()), None)
    if dsn_name is not None:
        try:
            supabase = _supabase_database(os.environ[dsn_name].strip())
        except DatabaseError as exc:
            result.notices.append(f"could not look at the database in ${dsn_name}: {exc}")
        else:
            if supabase:
                settings["include_schemas"] = ["public"]
                result.notices.append(
                    f"the database in ${dsn_name} is a Supabase database: only the public "
                    'schema is read (include_schemas = ["public"])'
                )
    settings["emit"] = list(emit)
    if not emit:
        result.notices.append(
            "no emitter is installed: install one (see the README) and list it in emit"
        )
    return settings


def _comments() -> dict[str, str]:
    return {
        "source": "read the schema from the migrations, applied to a throwaway PostgreSQL",
        "migrations_dir": "the folder of SQL migrations",
        "dsn_env": "environment variables holding the database URL, tried in order",
        "include_schemas": "Supabase's own schemas (auth, storage, ...) are left out",
        "emit": "what `schemasync run` writes; each is a package of its own",
    }


def _pyproject(path: Path, settings: dict[str, object], force: bool) -> PlannedFile:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError
    from tomlkit.items import Table

    text = path.read_text(encoding="utf-8")
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    if "tool" not in document:
        document["tool"] = tomlkit.table(is_super_table=True)
    tool = document["tool"]
    if not isinstance(tool, Table):
        raise ConfigError(f"[tool] in {path} must be a table")
    if "schemasync" in tool and not force:
        raise UsageError(
            f"[tool.schemasync] in {path} exists already", hint="pass --force to replace it"
        )
    table = tomlkit.table()
    notes = _comments()
    for key, value in settings.items():
        table[key] = value
        table[key].comment(notes[key])
    tool["schemasync"] = table
    return PlannedFile(path, tomlkit.dumps(document).encode())


def _config_file(path: Path, settings: dict[str, object], force: bool) -> PlannedFile:
    import tomlkit

    if path.exists() and not force:
        raise UsageError(f"{path} exists already", hint="pass --force to replace it")
    document = tomlkit.document()
    document.add(tomlkit.comment("schemasync settings; see docs/configuration.md"))
    notes = _comments()
    for key, value in settings.items():
        document[key] = value
        document[key].comment(notes[key])
    return PlannedFile(path, tomlkit.dumps(document).encode())


def pre_commit_entry(indent: str = "  ") -> str:
    """The ``repo: local`` entry that runs the offline check, as YAML lines.

    ``local`` with ``language: system`` runs the ``schemasync`` installed in the project's
    environment (the one that has its emitters), and needs no network to set up.
    """
    lines = [
        "- repo: local",
        "  hooks:",
        f"    - id: {HOOK_ID}",
        "      name: schemasync check (models and generated files vs the lock)",
        "      entry: schemasync check --offline",
        "      language: system",
        "      pass_filenames: false",
        r"      files: '(\.py|schemasync\.lock|pyproject\.toml|schemasync\.toml)$'",
    ]
    return "".join(f"{indent}{line}\n" for line in lines)


def _pre_commit(root: Path, result: InitResult) -> PlannedFile | None:
    path = root / PRE_COMMIT_CONFIG
    if not path.exists():
        return PlannedFile(path, f"repos:\n{pre_commit_entry()}".encode())
    text = path.read_text(encoding="utf-8")
    if re.search(rf"\bid:\s*{HOOK_ID}\b", text):
        result.notices.append(f"{PRE_COMMIT_CONFIG} runs the {HOOK_ID} hook already")
        return None
    # Appended as text, so the file's comments and layout stay; that needs ``repos:`` to be
    # its last top-level key.
    top_level = re.findall(r"^([A-Za-z_][\w-]*):", text, flags=re.MULTILINE)
    if not top_level or top_level[-1] != "repos":
        raise UsageError(
            f"cannot add the hook to {path}: its last top-level key is not repos",
            hint=f"add a repo: local entry with the {HOOK_ID} hook by hand (see docs/cli.md)",
        )
    item = re.search(r"^(\s*)- repo:", text, flags=re.MULTILINE)
    indent = item.group(1) if item else "  "
    separator = "" if text.endswith("\n") else "\n"
    return PlannedFile(path, f"{text}{separator}{pre_commit_entry(indent)}".encode())


def workflow(emit: Sequence[str]) -> str:
    """A GitHub Actions workflow running the schemasync Action (``check --offline``) on each
    push and pull request: annotations, a job summary and one pull-request comment."""
    emitters = ",".join(emit) or "typeddict"
    return f"""# Fails a push or pull request whose models or generated files disagree with the
# schema lock, and keeps one comment on the pull request saying what drifted.
name: schemasync
on:
  push:
  pull_request:

permissions:
  contents: read
  pull-requests: write

jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - uses: {ACTION}
        with:
          emitters: {emitters}
          offline: "true"
"""


def _workflow_file(root: Path, emit: Sequence[str], force: bool) -> PlannedFile:
    path = root / WORKFLOW
    if path.exists() and not force:
        raise UsageError(f"{path} exists already", hint="pass --force to replace it")
    return PlannedFile(path, workflow(emit).encode())


def init_project(
    root: Path,
    emit: Sequence[str],
    *,
    pre_commit: bool = False,
    github: bool = False,
    force: bool = False,
) -> InitResult:
    """Write the configuration of the project in ``root``, and the hook and workflow asked for.

    :param root: the project folder.
    :param emit: the emitters to list in ``emit`` (those installed, usually).
    :raises UsageError: something that exists would be overwritten without ``force``.
    """
    result = InitResult()
    settings = _settings(root, emit, result)
    pyproject = root / PYPROJECT
    # Every file is planned (and so every refusal made) before any is written.
    planned = [
        _pyproject(pyproject, settings, force)
        if pyproject.is_file()
        else _config_file(root / CONFIG_FILE, settings, force)
    ]
    hook = _pre_commit(root, result) if pre_commit else None
    if hook is not None:
        planned.append(hook)
    if github:
        planned.append(_workflow_file(root, emit, force))
    for planned_file in planned:
        write_atomically(planned_file)
        result.written.append(planned_file.path)
    return result
