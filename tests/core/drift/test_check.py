"""``check``'s generated-files side: nothing rendered while the lock's fingerprint and digests
say the files are current; rendered once, to compare, when something differs.

A small emitter of the test's own writes a Python module, so the core alone covers it; the
database is real.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import pytest

from pg import run_sql
from schemasync import hookimpl, ir
from schemasync.api import EmitContext, Emitter, GeneratedFile
from schemasync.codegen.generate import choose_emitters, run
from schemasync.codegen.lock import Lock, LockHead, full_lock
from schemasync.codegen.render import py_string
from schemasync.config import Config, load_config
from schemasync.drift import check as drift_check
from schemasync.drift.check import StaleFile, check
from schemasync.pipeline import SourceChoice, read_schema
from schemasync.plugins import PluginHost, load_plugins

SCHEMA_SQL = """
CREATE TABLE public.projects (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE public.tasks (id bigint PRIMARY KEY, project_id bigint REFERENCES public.projects);
"""
NOW = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
MODULE = "models/constants_models/tables.py"


class Constants(Emitter):
    """One constant per relation: ``PROJECTS = "public.projects"``."""

    name = "constants"
    package = "schemasync-tests"
    #: How many times this emitter's files were rendered.
    renders: ClassVar[int] = 0

    def emit(self, schema: ir.Schema, context: EmitContext) -> Sequence[GeneratedFile]:
        Constants.renders += 1
        body = "".join(
            f"{r.name.upper()} = {py_string(r.qualified_name)}\n" for r in schema.relations
        )
        return [GeneratedFile("tables.py", (context.header() + body).encode())]


class Plugin:
    @hookimpl
    def schemasync_emitters(self) -> list[Emitter]:
        return [Constants()]


def host() -> PluginHost:
    return load_plugins(extra=[("test-constants", Plugin())])


def synced(root: Path, dsn: str) -> Config:
    """A project that emits ``constants``, after one run against ``dsn``."""
    (root / "pyproject.toml").write_text('[tool.schemasync]\nemit = ["constants"]\n')
    config = load_config(start=root)
    plugins = host()
    schema = read_schema(plugins, config, SourceChoice(target=dsn))
    run(plugins, config, schema, choose_emitters(plugins, config, ()), now=NOW)
    Constants.renders = 0
    return config


def checked(config: Config, dsn: str | None) -> tuple[list[StaleFile], list[str], bool]:
    """Check online against ``dsn``, or offline when None: the stale files, the model files
    read back, and whether it failed."""
    plugins = host()
    reader = (
        None if dsn is None else (lambda: read_schema(plugins, config, SourceChoice(target=dsn)))
    )
    result = check(plugins, load_config(start=config.root), reader)
    return result.stale, result.model_files, result.failed


@pytest.mark.postgres
@pytest.mark.parametrize("online", [True, False])
def test_a_current_project_is_checked_without_rendering(
    pg_dsn: str, tmp_path: Path, online: bool
) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    config = synced(tmp_path, pg_dsn)

    stale, read_back, failed = checked(config, pg_dsn if online else None)

    assert (stale, failed) == ([], False)
    assert Constants.renders == 0
    # The generated module matches the lock, and the database is the lock's schema: the
    # lock side speaks for it, so it is not read back either.
    assert read_back == []


@pytest.mark.postgres
@pytest.mark.parametrize("online", [True, False])
def test_an_edited_file_is_stale_and_rendered_once_to_tell(
    pg_dsn: str, tmp_path: Path, online: bool
) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    config = synced(tmp_path, pg_dsn)
    module = tmp_path / MODULE
    text = module.read_text()
    module.write_text(text.replace('"public.tasks"', '"public.jobs"'))

    stale, _, failed = checked(config, pg_dsn if online else None)

    assert stale == [StaleFile(MODULE, "changed")]
    assert failed
    assert Constants.renders == 1
    # Reformatted only (a blank line, the same meaning): rendered to compare, and current.
    module.write_text(text.replace("\nPROJECTS", "\n\nPROJECTS"))
    assert checked(config, pg_dsn if online else None)[0] == []
    assert Constants.renders == 2


@pytest.mark.postgres
def test_a_missing_file_is_stale_without_rendering(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    config = synced(tmp_path, pg_dsn)
    (tmp_path / MODULE).unlink()

    stale, _, _ = checked(config, pg_dsn)

    assert stale == [StaleFile(MODULE, "missing")]
    assert Constants.renders == 0


@pytest.mark.postgres
def test_another_fingerprint_renders_to_compare(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    config = synced(tmp_path, pg_dsn)
    with (tmp_path / "pyproject.toml").open("a") as handle:
        handle.write('profile = "json"\n')

    stale, _, _ = checked(config, pg_dsn)

    # Rendered to compare: the module is current (this emitter ignores the profile), the
    # lock is not (``run`` records the new fingerprint).
    assert stale == [StaleFile("schemasync.lock", "changed")]
    assert Constants.renders == 1


@pytest.mark.postgres
def test_a_changed_database_reads_the_generated_models_back(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    config = synced(tmp_path, pg_dsn)
    run_sql(pg_dsn, "CREATE TABLE public.labels (id int PRIMARY KEY);")

    stale, read_back, failed = checked(config, pg_dsn)

    assert stale == []
    assert failed is False  # a table added is below the default threshold
    assert read_back == [MODULE]
    assert Constants.renders == 0


@pytest.mark.postgres
def test_a_module_that_compiled_once_is_not_compiled_again(
    pg_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    run_sql(pg_dsn, SCHEMA_SQL)
    (tmp_path / "app").mkdir()
    config = synced(tmp_path / "app", pg_dsn)
    module = tmp_path / "app" / MODULE
    known = tmp_path / "cache" / "schemasync" / f"compiles-{sys.implementation.cache_tag}"

    assert checked(config, None)[0] == []

    # The modules' digests are remembered as compiling; a module the lock records but that
    # does not compile is reported each time, and never remembered.
    version = tmp_path / "app" / "schema_version.py"
    assert sorted(p.name for p in known.iterdir()) == sorted(
        hashlib.sha256(path.read_bytes()).hexdigest() for path in (module, version)
    )
    broken = module.read_bytes() + b"\nif True:\n"
    module.write_bytes(broken)
    lock_path = tmp_path / "app" / "schemasync.lock"
    lock = json.loads(lock_path.read_text())
    lock["outputs"][MODULE] = "sha256:" + hashlib.sha256(broken).hexdigest()
    lock_path.write_text(json.dumps(lock, indent=2) + "\n")
    for _ in range(2):
        assert checked(config, None)[0] == [StaleFile(MODULE, "invalid")]
    assert len(list(known.iterdir())) == 2
    # What is remembered is trusted: a digest marked as compiling is not compiled again.
    (known / hashlib.sha256(broken).hexdigest()).touch()
    assert checked(config, None)[0] == []


@pytest.mark.postgres
def test_offline_the_locks_schema_is_decoded_only_to_place_models(
    pg_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    config = synced(tmp_path, pg_dsn)
    decoded: list[Path] = []

    def counted(head: LockHead, path: Path) -> Lock:
        decoded.append(path)
        return full_lock(head, path)

    monkeypatch.setattr(drift_check, "full_lock", counted)

    # Nothing to read back: generated files are checked by digest, the schema not built.
    assert checked(config, None) == ([], [], False)
    assert decoded == []

    # A hand-written model is placed on the lock's schema, decoded once for it.
    (tmp_path / "app.py").write_text(
        "from typing import TypedDict\n\n\nclass Project(TypedDict):\n    id: int\n"
    )
    with (tmp_path / "pyproject.toml").open("a") as handle:
        handle.write('models = ["app.py"]\n')
    _, read_back, _ = checked(config, None)
    assert read_back == ["app.py"]
    assert decoded == [tmp_path / "schemasync.lock"]


@pytest.mark.postgres
def test_an_edit_inside_the_locks_schema_makes_the_lock_stale(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    config = synced(tmp_path, pg_dsn)
    lock_path = tmp_path / "schemasync.lock"
    before, key, schema = lock_path.read_text().partition('\n  "schema": ')
    lock_path.write_text(before + key + schema.replace('"tasks"', '"jobs"'))

    stale, _, failed = checked(config, None)

    # run would write it again (its schema digest mended): no module is rendered to tell.
    assert stale == [StaleFile("schemasync.lock", "changed")]
    assert failed
    assert Constants.renders == 0
