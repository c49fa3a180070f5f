"""The ``migrations`` source: order, application, errors with file:line:col, cleanup.

Every case applies real migrations to a real throwaway PostgreSQL; the command-line cases
run ``python -m schemasync`` in a subprocess, with a small ``tables`` emitter installed as a
plugin distribution so that ``schemasync run`` works whichever emitters are installed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from cli import run_cli
from migration_project import (
    EXAMPLE_MIGRATIONS,
    project,
    tables_emitter_path,
    write_migrations,
)
from pg import require_engine
from schemasync import ir
from schemasync.api import SourceRequest
from schemasync.codegen.lock import Lock, read_lock
from schemasync.errors import MigrationError, UsageError
from schemasync.sources.engine import BINDIR_ENV, ENGINE_KINDS
from schemasync.sources.migrations import MigrationsSource, find_migrations, line_column

INIT = """
    create table public.projects (
        id bigint generated always as identity primary key,
        name text not null
    );
"""
TASKS = """
    create table public.tasks (
        id bigint generated always as identity primary key,
        project_id bigint not null references public.projects (id)
    );
"""


def read(target: Path, **options: object) -> ir.Schema:
    return MigrationsSource().introspect(SourceRequest(target=str(target), options=options))


def test_files_apply_by_version_as_a_number_then_by_name(tmp_path: Path) -> None:
    folder = write_migrations(
        tmp_path,
        {"10_b.sql": "", "2_z.sql": "", "10_a.sql": "", "0003_c.sql": "", "notes.sql": ""},
    )
    (folder / "README.md").write_text("not a migration")

    found = find_migrations(folder)

    assert [m.path.name for m in found] == ["2_z.sql", "0003_c.sql", "10_a.sql", "10_b.sql"]
    assert [(m.version, m.name) for m in found] == [(2, "z"), (3, "c"), (10, "a"), (10, "b")]


def test_a_missing_or_empty_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        find_migrations(tmp_path / "nope")
    (tmp_path / "schema.sql").write_text("create table t (id int);")
    with pytest.raises(UsageError, match="no migrations in") as caught:
        find_migrations(tmp_path)
    assert caught.value.hint is not None
    assert "<version>_<name>.sql" in caught.value.hint


@pytest.mark.parametrize(
    ("offset", "expected"), [(0, (1, 1)), (3, (1, 4)), (4, (2, 1)), (8, (3, 2)), (99, (3, 3))]
)
def test_line_and_column_count_from_one(offset: int, expected: tuple[int, int]) -> None:
    assert line_column("abc\nde\nfg", offset) == expected


@pytest.mark.postgres
def test_the_example_applies_on_every_engine_with_the_same_hash() -> None:
    schemas = {
        kind: read(EXAMPLE_MIGRATIONS, engine=require_engine(kind).kind) for kind in ENGINE_KINDS
    }
    encoded = {kind: ir.encode_schema(schema) for kind, schema in schemas.items()}
    assert encoded["system"] == encoded["embedded"]
    assert len({ir.schema_hash(schema) for schema in schemas.values()}) == 1


@pytest.mark.postgres
def test_the_example_holds_what_it_promises() -> None:
    schema = read(EXAMPLE_MIGRATIONS)

    assert schema.schemas == ("billing", "public")
    assert len(schema.tables) == 12
    kinds = {r.qualified_name: r.kind for r in schema.views}
    assert kinds == {
        "public.task_overview": "view",
        "billing.monthly_revenue": "materialized_view",
    }
    assert {e.schema for e in schema.enums} == {"public", "billing"}
    tasks = schema.relation("public", "tasks")
    assert tasks.column("search_text").generated is not None
    assert tasks.column("labels").type.array_dims == 1
    assert schema.relation("public", "projects").column("id").identity == "always"
    assert tasks.column("id").identity == "by_default"
    assert tasks.comment is None
    assert tasks.column("search_text").comment
    assert any(fk.ref_schema == "auth" and fk.ref_table == "users" for fk in tasks.foreign_keys)
    policies = [p for r in schema.relations for p in r.policies]
    assert any("auth.uid()" in (p.using or "") for p in policies)
    assert all(r.rls_enabled for r in schema.tables if r.schema == "public")
    # Defaults read the same whether uuid-ossp is the real extension or its stand-in.
    teams = schema.relation("public", "teams")
    assert teams.column("id").default == "extensions.uuid_generate_v4()"
    assert [e.name for e in schema.extensions] == ["plpgsql"]


@pytest.mark.postgres
def test_each_migration_is_its_own_transaction_and_explicit_ones_still_apply(
    tmp_path: Path,
) -> None:
    folder = write_migrations(
        tmp_path / "migrations",
        {
            "1_init.sql": INIT,
            "2_explicit.sql": "begin;\n" + TASKS + "commit;\ncreate table public.after (x int);",
        },
    )
    schema = read(folder)
    assert [r.name for r in schema.relations] == ["after", "projects", "tasks"]


@pytest.mark.postgres
def test_an_apply_error_names_file_line_and_column_from_the_server(tmp_path: Path) -> None:
    folder = write_migrations(
        tmp_path / "migrations",
        {
            "1_init.sql": INIT,
            "2_bad.sql": "-- ünïcode before the error counts as characters\n"
            "create view public.v as\n    select id, nmae from public.projects;\n",
        },
    )
    with pytest.raises(MigrationError) as caught:
        read(folder)
    where = f"{folder / '2_bad.sql'}:3:16: "
    assert str(caught.value.message) == f'{where}column "nmae" does not exist'
    assert caught.value.exit_code == 9


@pytest.mark.postgres
def test_an_error_without_a_position_points_at_its_statement(tmp_path: Path) -> None:
    folder = write_migrations(
        tmp_path / "migrations",
        {"1_init.sql": INIT + "\n\n      insert into public.projects (id, name) values (1, 'x');"},
    )
    with pytest.raises(MigrationError) as caught:
        read(folder)
    assert 'init.sql:7:3: cannot insert a non-DEFAULT value into column "id"' in str(caught.value)
    # Nothing in the message suggests a Supabase object is missing.
    assert caught.value.hint == "fix the migration; no file was written"


# --- the command line --------------------------------------------------------------------


def _broken_third(line: int) -> str:
    body = [f"-- line {n}" for n in range(1, line)]
    return "\n".join([*body, "create tabel public.oops (id int);", ""])


@pytest.mark.postgres
def test_a_broken_migration_is_reported_and_nothing_is_written(tmp_path: Path) -> None:
    root = project(tmp_path / "app", {"20240101_init.sql": INIT, "20240102_tasks.sql": TASKS})
    env = {"PYTHONPATH": tables_emitter_path(tmp_path / "site")}
    first = run_cli("run", cwd=root, env=env)
    assert first.code == 0, first.stderr
    outputs = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}
    assert "public.tasks" in (root / "models" / "tables_models" / "tables.txt").read_text()
    third = root / "supabase" / "migrations" / "20240103_oops.sql"
    third.write_text(_broken_third(12))

    result = run_cli("run", cwd=root, env=env)

    assert result.code == 9, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        'error: supabase/migrations/20240103_oops.sql:12:8: syntax error at or near "tabel"',
        "  hint: fix the migration; nothing was applied and no file was written",
    ]
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}
    assert after == {**outputs, third: after[third]}


@pytest.mark.postgres
def test_run_from_a_subfolder_works_on_the_project_it_is_in(tmp_path: Path) -> None:
    root = project(
        tmp_path / "app", {"20240101_init.sql": INIT}, 'lock_file = "db/schemasync.lock"\n'
    )
    env = {"PYTHONPATH": tables_emitter_path(tmp_path / "site")}
    assert run_cli("run", cwd=root, env=env).code == 0
    assert run_cli("check", "--offline", cwd=root, env=env).code == 0
    write_migrations(root / "supabase" / "migrations", {"20240102_tasks.sql": TASKS})
    below = root / "src" / "app" / "deep"
    below.mkdir(parents=True)
    before = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))

    # From a folder below the project: the config is found by walking up, and every
    # relative path in it (migrations, outputs, lock) is the project's, not the folder's.
    result = run_cli("run", cwd=below, env=env)

    assert result.code == 0, result.stderr
    tables = "models/tables_models/tables.txt"
    assert result.wrote() == {tables, "db/schemasync.lock", "schema_version.py"}
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == before
    assert "public.tasks" in (root / "models" / "tables_models" / "tables.txt").read_text()
    assert list(below.iterdir()) == []
    for folder in (below, root / "supabase" / "migrations"):
        checked = run_cli("check", "--offline", cwd=folder, env=env)
        assert checked.code == 0, checked.stdout + checked.stderr
        assert checked.stdout.startswith("ok: no drift")


def test_an_offline_check_parses_the_migrations(tmp_path: Path) -> None:
    root = project(tmp_path / "app", {"20240101_init.sql": INIT, "20240102_tasks.sql": TASKS})
    env = {"PYTHONPATH": tables_emitter_path(tmp_path / "site")}
    assert run_cli("run", cwd=root, env=env).code == 0
    assert run_cli("check", "--offline", cwd=root, env=env).code == 0
    (root / "supabase" / "migrations" / "20240103_oops.sql").write_text(_broken_third(4))

    result = run_cli("check", "--offline", cwd=root, env=env)

    assert result.code == 9, (result.stdout, result.stderr)
    assert result.stderr.splitlines() == [
        'error: supabase/migrations/20240103_oops.sql:4:8: syntax error at or near "tabel"',
        "  hint: fix the migration; nothing was applied and no file was written",
    ]
    # Parsing needs no server: the hook stays fast and works without PostgreSQL binaries.
    probe = (
        "import sys\nfrom schemasync.cli.main import main\n"
        "assert main(['check', '--offline']) == 9\n"
        "assert 'pglast' in sys.modules and 'psycopg' not in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=root,
        env={**os.environ, **env, "PATH": "/nonexistent"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.postgres
def test_migrations_read_from_another_folder_with_from(tmp_path: Path) -> None:
    folder = write_migrations(tmp_path / "db", {"1_init.sql": INIT})
    result = run_cli(
        "inspect", "--tables", "--source", "migrations", "--from", str(folder), cwd=tmp_path
    )
    assert result.code == 0, result.stderr
    assert result.stdout == "public.projects\ttable\t2 columns\n"


def _server_dir(tmp: Path) -> Path | None:
    return next(iter(tmp.glob("schemasync-pg-*")), None)


def _wait_for_sleeping_migration(tmp: Path, process: subprocess.Popen[str]) -> int:
    """Wait until the throwaway server runs the pg_sleep migration; its postmaster pid."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        directory = _server_dir(tmp)
        sockets = (
            [s for s in directory.glob(".s.PGSQL.*") if s.suffix != ".lock"] if directory else []
        )
        if directory and sockets:
            port = sockets[0].name.rsplit(".", 1)[1]
            dsn = make_conninfo(host=str(directory), port=port, user="postgres", dbname="postgres")
            try:
                with psycopg.connect(dsn, connect_timeout=2) as conn:
                    row = conn.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'select pg_sleep%'"
                    ).fetchone()
                    if row and row[0]:
                        pid_file = directory / "data" / "postmaster.pid"
                        return int(pid_file.read_text().split()[0])
            except psycopg.OperationalError:
                pass
        time.sleep(0.1)
    raise AssertionError("the migration never started sleeping")


def _gone(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


#: Starts the command as a shell starts a background job: SIGINT ignored (an ignored signal
#: stays ignored across exec), SIGTERM at its default. The command must set its own
#: handlers, so the test proves that wherever the suite itself runs.
_AS_A_BACKGROUND_JOB = (
    "import os, signal, sys\n"
    "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
    "signal.signal(signal.SIGTERM, signal.SIG_DFL)\n"
    "os.execv(sys.executable, [sys.executable, '-m', 'schemasync', 'run'])\n"
)


@pytest.mark.postgres
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_migrations_leaves_no_server_and_no_folder(
    tmp_path: Path, signum: int, code: int
) -> None:
    root = project(
        tmp_path / "app",
        {"1_init.sql": INIT, "2_slow.sql": "select pg_sleep(60);\n", "3_more.sql": TASKS},
    )
    # A short private TMPDIR: the server's folder must be found, and its socket path must
    # stay under the 107 characters a Unix socket allows. Others may enter it, for the
    # unprivileged account the server runs as under root.
    tmp = Path(tempfile.mkdtemp(prefix="ss-sig-"))
    tmp.chmod(0o755)
    env = {
        **os.environ,
        "TMPDIR": str(tmp),
        "PYTHONPATH": tables_emitter_path(tmp_path / "site"),
    }
    process = subprocess.Popen(
        [sys.executable, "-c", _AS_A_BACKGROUND_JOB],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        postmaster = _wait_for_sleeping_migration(tmp, process)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == code, stderr
        assert stderr.splitlines()[-1] == "interrupted"
        assert _gone(postmaster)
        assert list(tmp.iterdir()) == []
        assert not (root / "models").exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.postgres
def test_contrib_extensions_apply_on_the_embedded_engine(tmp_path: Path) -> None:
    folder = write_migrations(
        tmp_path / "db",
        {
            "1_search.sql": """
                create extension if not exists citext;
                create extension if not exists pg_trgm;
                create table public.users (
                    email citext primary key,
                    name text not null
                );
                create index users_name_trgm on public.users using gin (name gin_trgm_ops);
            """
        },
    )
    schema = read(folder, engine=require_engine("embedded").kind)

    assert {e.name for e in schema.extensions} >= {"citext", "pg_trgm"}
    users = schema.relation("public", "users")
    assert users.column("email").type.name == "citext"
    (trgm,) = [i for i in users.indexes if i.name == "users_name_trgm"]
    assert trgm.method == "gin"


def _without_postgres_on_path() -> str:
    """PATH with no folder that holds PostgreSQL's programs."""
    folders = os.environ.get("PATH", "").split(os.pathsep)
    return os.pathsep.join(f for f in folders if not (Path(f) / "initdb").exists())


@pytest.mark.postgres
@pytest.mark.parametrize("pin", [None, "system", "embedded", "neither"])
def test_one_line_says_which_postgresql_ran(tmp_path: Path, pin: str | None) -> None:
    engines = {"system": require_engine("system"), "embedded": require_engine("embedded")}
    root = tmp_path / "app"
    write_migrations(root / "supabase" / "migrations", {"1_t.sql": "create table t (id int);"})
    (root / "pyproject.toml").write_text('[tool.schemasync]\nsource = "migrations"\n')
    # The engine is chosen here, whatever the session's SCHEMASYNC_ENGINE says.
    env = {"PATH": _without_postgres_on_path(), "SCHEMASYNC_ENGINE": "auto"}
    if pin is None:
        # No PostgreSQL anywhere the lookup looks: the embedded engine.
        env["SCHEMASYNC_ENGINE"] = "embedded"
        expected = f"{engines['embedded'].describe()}\n"
    elif pin == "neither":
        (root / "supabase" / "config.toml").write_text("[db]\nmajor_version = 9\n")
        expected = f"{engines['system'].describe()}; the project pins 9, which is not installed\n"
    else:
        major = engines[pin].major
        (root / "supabase" / "config.toml").write_text(f"[db]\nmajor_version = {major}\n")
        expected = f"{engines[pin].describe()}\n"

    result = run_cli("inspect", "--tables", cwd=root, env=env)

    assert result.code == 0, result.stderr
    assert result.stderr == f"info: applying the migrations on {expected}"
    assert result.stdout.split()[0] == "public.t"


# --- unchanged migrations: the lock's schema, no server ----------------------------------------

#: Set, the watched engine's initdb fails: no server can start.
NO_SERVER = "SCHEMASYNC_TEST_NO_SERVER"
#: Set, the watched engine's ``postgres -V`` prints this version (a minor upgrade).
ENGINE_VERSION = "SCHEMASYNC_TEST_ENGINE_VERSION"


@pytest.fixture(scope="module")
def watched_engine() -> Iterator[Path]:
    """A bin folder, for ``SCHEMASYNC_PG_BINDIR``, running the system's PostgreSQL, except
    that with ``NO_SERVER`` set its initdb fails and with ``ENGINE_VERSION`` set its
    ``postgres -V`` says another version. Readable by all, as the server's own account
    runs it when the tests run as root."""
    real = require_engine("system").bindir
    folder = Path(tempfile.mkdtemp(prefix="schemasync-test-bin-"))
    folder.chmod(0o755)
    scripts = {
        "initdb": (
            f'if [ -n "${NO_SERVER}" ]; then echo "no server may start" >&2; exit 1; fi\n'
            f'exec "{real}/initdb" "$@"\n'
        ),
        "postgres": (
            f'if [ "$1" = "-V" ] && [ -n "${ENGINE_VERSION}" ]; then\n'
            f'  echo "postgres (PostgreSQL) ${ENGINE_VERSION}"; exit 0\n'
            "fi\n"
            f'exec "{real}/postgres" "$@"\n'
        ),
    }
    for name, body in scripts.items():
        (folder / name).write_text("#!/bin/sh\n" + body)
        (folder / name).chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def synced(
    tmp_path_factory: pytest.TempPathFactory, watched_engine: Path
) -> tuple[Path, dict[str, str]]:
    """A migrations project after one ``run`` (which applied them), and its environment."""
    base = tmp_path_factory.mktemp("synced")
    root = project(base / "app", {"20240101_init.sql": INIT, "20240102_tasks.sql": TASKS})
    env = {
        "PYTHONPATH": tables_emitter_path(base / "site"),
        BINDIR_ENV: str(watched_engine),
        ENGINE_VERSION: "",
        NO_SERVER: "",
    }
    first = run_cli("run", cwd=root, env=env)
    assert first.code == 0, first.stderr
    assert "info: applying the migrations on PostgreSQL" in first.stderr
    return root, env


def _copy(synced: tuple[Path, dict[str, str]], tmp_path: Path) -> tuple[Path, Lock]:
    root = shutil.copytree(synced[0], tmp_path / "app")
    lock = read_lock(root / "schemasync.lock")
    assert lock is not None
    return root, lock


def _unchanged_line(lock: Lock) -> str:
    return (
        f"info: migrations unchanged since the lock (source digest {lock.source_digest[:19]}): "
        "using the lock's schema, no server started"
    )


@pytest.mark.postgres
def test_unchanged_migrations_start_no_server(
    synced: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, lock = _copy(synced, tmp_path)
    assert lock.source_digest.startswith("sha256:")
    env = {**synced[1], NO_SERVER: "1"}

    again = run_cli("run", cwd=root, env=env)
    checked = run_cli("check", cwd=root, env=env)

    assert again.code == 0, again.stderr
    assert again.stderr.splitlines() == [
        _unchanged_line(lock),
        f"info: schema unchanged ({lock.hash[:19]}): 3 files current, nothing rendered",
    ]
    assert again.summary() == (
        f"0 written, 0 deleted, 3 unchanged; schema version 1 ({lock.hash[:19]})"
    )
    assert checked.code == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("ok: no drift (the database vs the lock and the models")
    assert checked.stderr.splitlines() == [_unchanged_line(lock)]
    # The same commands with one byte changed need a server, which cannot start here.
    migration = root / "supabase" / "migrations" / "20240102_tasks.sql"
    migration.write_text(migration.read_text() + " ")
    for command in ("run", "check"):
        failed = run_cli(command, cwd=root, env=env)
        assert failed.code != 0
        assert "initdb failed" in failed.stderr
        assert "unchanged" not in failed.stderr
    # With a server, the run applies them, and records the new digest: same schema, so the
    # same version and the same files, and the lock alone written.
    applied = run_cli("run", cwd=root, env=synced[1])
    assert applied.code == 0, applied.stderr
    assert "info: applying the migrations on PostgreSQL" in applied.stderr
    assert applied.wrote() == {"schemasync.lock"}
    after = read_lock(root / "schemasync.lock")
    assert after is not None
    assert after.source_digest not in ("", lock.source_digest)
    assert (after.hash, after.schema_version) == (lock.hash, 1)
    assert run_cli("check", cwd=root, env=env).code == 0


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


MIGRATIONS = Path("supabase", "migrations")
#: What may change after a run; each makes the next command apply the migrations again. (A
#: pinned major version counts through the engine it picks: the engine's version below.)
FALLBACKS: dict[str, Callable[[Path], object]] = {
    "one byte of one migration": lambda root: _append(
        root / MIGRATIONS / "20240101_init.sql", "\n"
    ),
    "a new migration": lambda root: (root / MIGRATIONS / "20240103_more.sql").write_text(
        "create table public.more (id int);\n"
    ),
    "a removed migration": lambda root: (root / MIGRATIONS / "20240102_tasks.sql").unlink(),
    "a renamed migration": lambda root: (root / MIGRATIONS / "20240102_tasks.sql").rename(
        root / MIGRATIONS / "20240102_jobs.sql"
    ),
    "a normalizer's setting": lambda root: _append(
        root / "pyproject.toml", 'exclude_tables = ["public.tasks"]\n'
    ),
    "the schemas read": lambda root: _append(
        root / "pyproject.toml", 'include_schemas = ["public", "auth"]\n'
    ),
    "the Supabase layer": lambda root: _append(root / "pyproject.toml", "supabase = false\n"),
}


@pytest.mark.postgres
@pytest.mark.parametrize("change", [*FALLBACKS, "the engine's version"])
@pytest.mark.parametrize("command", ["run", "check"])
def test_any_change_applies_the_migrations_again(
    synced: tuple[Path, dict[str, str]], tmp_path: Path, change: str, command: str
) -> None:
    root, _lock = _copy(synced, tmp_path)
    env = {**synced[1], NO_SERVER: "1"}
    if change == "the engine's version":
        env[ENGINE_VERSION] = "15.99"  # a minor release of the same major
    else:
        FALLBACKS[change](root)

    result = run_cli(command, cwd=root, env=env)

    # It went for a server: the failure to start one shows it.
    assert result.code != 0, result.stdout + result.stderr
    assert "initdb failed" in result.stderr
    assert "unchanged since the lock" not in result.stderr


#: What may change without changing the schema: the lock's schema still holds.
HOLDS: dict[str, Callable[[Path], object]] = {
    "a migration touched, not changed": lambda root: os.utime(
        root / MIGRATIONS / "20240101_init.sql", (1, 1)
    ),
    "a setting of check's": lambda root: _append(root / "pyproject.toml", 'fail_on = "low"\n'),
    "a file beside the migrations": lambda root: (root / MIGRATIONS / "README.md").write_text(
        "notes\n"
    ),
}


@pytest.mark.postgres
@pytest.mark.parametrize("change", list(HOLDS))
def test_what_cannot_change_the_schema_keeps_the_fast_path(
    synced: tuple[Path, dict[str, str]], tmp_path: Path, change: str
) -> None:
    root, lock = _copy(synced, tmp_path)
    HOLDS[change](root)

    result = run_cli("check", cwd=root, env={**synced[1], NO_SERVER: "1"})

    assert result.code == 0, result.stdout + result.stderr
    assert result.stderr.splitlines() == [_unchanged_line(lock)]


@pytest.mark.postgres
def test_an_offline_check_still_parses_unchanged_migrations(
    synced: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, _lock = _copy(synced, tmp_path)

    result = run_cli("check", "--offline", cwd=root, env={**synced[1], NO_SERVER: "1"})

    assert result.code == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok: no drift (the lock vs the models")
