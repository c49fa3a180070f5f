"""``schemasync run --emit typeddict`` end to end: a real database, the CLI in a subprocess.

Each test works in a project folder of its own (a pyproject.toml with [tool.schemasync]) and
checks what lands on disk: which files are written, which are left alone (same bytes, same
inode, same modification time), the lock file and ``schema_version.py``, and that a run
that fails writes nothing at all.
"""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from cli import Result, run_cli
from pg import run_sql
from schemasync import ir
from schemasync.codegen.lock import Lock, read_lock

pytestmark = pytest.mark.postgres

SCHEMA_SQL = """
CREATE SCHEMA billing;
CREATE TYPE public.task_status AS ENUM ('todo', 'in progress', 'done');
CREATE TABLE public.projects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    status public.task_status NOT NULL DEFAULT 'todo',
    "due on" date
);
CREATE TABLE billing.invoices (
    id integer PRIMARY KEY,
    project_id bigint REFERENCES public.projects (id),
    amount numeric(10, 2) NOT NULL
);
"""
MODELS = "models/typeddict_models"
LOCK = "schemasync.lock"
VERSION = "schema_version.py"
PACKAGE = '[tool.schemasync.emitters.typeddict]\nlayout = "package"\n'


def project(root: Path, settings: str = "") -> Path:
    """``root`` with a pyproject.toml emitting TypedDicts, plus ``settings``."""
    (root / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0"\n\n'
        f'[tool.schemasync]\nemit = ["typeddict"]\n\n{settings}'
    )
    return root


@pytest.fixture
def dsn(pg_dsn: str) -> str:
    """A database holding SCHEMA_SQL."""
    run_sql(pg_dsn, SCHEMA_SQL)
    return pg_dsn


def state(root: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file under ``root``: its bytes, inode and modification time."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            info = path.stat()
            found[path.relative_to(root).as_posix()] = (
                path.read_bytes(),
                info.st_ino,
                info.st_mtime_ns,
            )
    return found


def temp_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.schemasync-tmp"))


def inspected(root: Path, dsn: str) -> ir.Schema:
    """The schema ``schemasync inspect`` reads with the project's settings."""
    result = run_cli("inspect", cwd=root, dsn=dsn)
    assert result.code == 0, result.stderr
    return ir.decode_schema(result.stdout)


def constants(root: Path) -> dict[str, object]:
    return runpy.run_path(str(root / VERSION))


def ok(result: Result) -> Result:
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    return result


# --- reruns ----------------------------------------------------------------------------------


def test_first_run_writes_the_models_the_lock_and_schema_version(dsn: str, tmp_path: Path) -> None:
    root = project(tmp_path)

    result = ok(run_cli("run", cwd=root, dsn=dsn))

    schema_hash = ir.schema_hash(inspected(root, dsn))
    assert result.stdout.splitlines() == [
        f"wrote {MODELS}/models.py",
        f"wrote {VERSION}",
        f"wrote {LOCK}",
        f"3 written, 0 deleted, 0 unchanged; schema version 1 ({schema_hash[:19]})",
    ]
    assert sorted(state(root)) == sorted([LOCK, f"{MODELS}/models.py", "pyproject.toml", VERSION])
    compile((root / MODELS / "models.py").read_bytes(), "models.py", "exec")
    values = constants(root)
    assert values["SCHEMA_VERSION"] == 1
    assert values["DB_HASH"] == schema_hash
    assert values["TABLES_COUNT"] == 2
    assert values["ENUMS_COUNT"] == 1
    assert values["LAST_SYNC_DIFFERENCES"] == (
        "added enum public.task_status",
        "added table billing.invoices",
        "added table public.projects",
    )


def test_a_second_run_on_an_unchanged_database_writes_nothing(dsn: str, tmp_path: Path) -> None:
    root = project(tmp_path, PACKAGE)
    first = ok(run_cli("run", cwd=root, dsn=dsn))
    before = state(root)

    second = run_cli("run", cwd=root, dsn=dsn)

    assert second.code == 0, second.stderr
    assert second.wrote() == set()
    written = len(first.wrote())
    # The lock says every file is current: nothing rendered, and one line says so.
    schema_hash = ir.schema_hash(inspected(root, dsn))
    assert second.stderr == (
        f"info: schema unchanged ({schema_hash[:19]}): {written} files current, nothing rendered\n"
    )
    assert (
        second.stdout
        == first.stdout.splitlines()[-1].replace(
            f"{written} written, 0 deleted, 0 unchanged",
            f"0 written, 0 deleted, {written} unchanged",
        )
        + "\n"
    )
    assert state(root) == before  # same bytes, inodes and modification times


def test_a_schema_change_rewrites_what_changed_and_bumps_the_version(
    dsn: str, tmp_path: Path
) -> None:
    root = project(tmp_path)
    ok(run_cli("run", cwd=root, dsn=dsn))
    before = state(root)
    first_sync = constants(root)["LAST_SYNC"]
    run_sql(
        dsn,
        "ALTER TABLE public.projects ADD COLUMN note text;"
        "CREATE TABLE public.tasks (id integer PRIMARY KEY, title text NOT NULL);",
    )

    result = ok(run_cli("run", cwd=root, dsn=dsn))

    after = state(root)
    changed = {path for path in after if after[path][0] != before[path][0]}
    assert result.wrote() == changed == {f"{MODELS}/models.py", LOCK, VERSION}
    for path in changed:
        assert after[path][1] != before[path][1], path  # renamed into place
    schema = inspected(root, dsn)
    schema_hash = ir.schema_hash(schema)
    assert result.summary() == (
        f"3 written, 0 deleted, 0 unchanged; schema version 2 ({schema_hash[:19]})"
    )

    values = constants(root)
    assert values["SCHEMA_VERSION"] == 2
    assert values["DB_HASH"] == schema_hash
    assert values["TABLES_COUNT"] == 3
    assert str(values["LAST_SYNC"]) >= str(first_sync)  # ISO 8601 UTC: sorts as time does
    assert values["LAST_SYNC_DIFFERENCES"] == (
        "changed table public.projects",
        "added table public.tasks",
    )
    lock = read_lock(root / LOCK)
    assert lock is not None
    assert lock.schema_version == 2
    assert lock.hash == schema_hash
    assert lock.schema == schema
    assert lock.differences == values["LAST_SYNC_DIFFERENCES"]
    models = (root / MODELS / "models.py").read_text()
    assert "class TaskRow(TypedDict):" in models
    assert '"note": str | None,' in models


def test_an_option_change_rewrites_only_the_files_whose_bytes_change(
    dsn: str, tmp_path: Path
) -> None:
    root = project(tmp_path, PACKAGE)
    ok(run_cli("run", cwd=root, dsn=dsn))
    before = state(root)
    project(root, PACKAGE + 'enum_style = "str-enum"\n')

    result = ok(run_cli("run", cwd=root, dsn=dsn))

    after = state(root)
    changed = {path for path in after if after[path][0] != before[path][0]}
    assert result.wrote() == changed - {"pyproject.toml"}
    assert f"{MODELS}/_types.py" in changed
    assert "class TaskStatus(str, Enum):" in (root / MODELS / "_types.py").read_text()
    # The schema did not change: same schema_version.py and version; the lock records the
    # new files' digests but keeps its version and sync time.
    for path in (VERSION, f"{MODELS}/billing.py"):
        assert after[path] == before[path], path
    old_lock, new_lock = (msgspec.json.decode(s[LOCK][0], type=Lock) for s in (before, after))
    assert (new_lock.schema_version, new_lock.last_sync) == (1, old_lock.last_sync)
    assert new_lock.outputs != old_lock.outputs
    assert result.summary().endswith(f"schema version 1 ({constants(root)['DB_HASH']!s:.19})")


# --- nothing written when the run fails ------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "foreign"),
    [
        pytest.param("", f"{MODELS}/models.py", id="module"),
        # Written after _types.py and billing.py, were the checks not made first.
        pytest.param(PACKAGE, f"{MODELS}/public.py", id="package-module"),
        pytest.param(PACKAGE, VERSION, id="last-file"),
    ],
)
def test_a_file_schemasync_did_not_generate_is_refused_and_nothing_is_written(
    dsn: str, tmp_path: Path, settings: str, foreign: str
) -> None:
    root = project(tmp_path, settings)
    mine = root / foreign
    mine.parent.mkdir(parents=True, exist_ok=True)
    mine.write_text('"""Hand-written."""\n\nVALUE = 1\n')
    before = state(root)

    result = run_cli("run", cwd=root, dsn=dsn)

    assert result.code == 8, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: refusing to overwrite {mine}: schemasync did not generate it",
        "  hint: move the file away, or point the target's output elsewhere",
    ]
    assert state(root) == before
    assert temp_files(root) == []


def test_a_stale_temporary_file_of_a_killed_run_is_removed(dsn: str, tmp_path: Path) -> None:
    root = project(tmp_path)
    ok(run_cli("run", cwd=root, dsn=dsn))
    # A run killed while writing models.py after the schema changed.
    run_sql(dsn, "ALTER TABLE public.projects ADD COLUMN note text;")
    stale = root / MODELS / ".models.py.x1y2z3ab.schemasync-tmp"
    stale.write_bytes(b"# Generated by schemasync 0.1.0 from schema sha256:0\nclass Half")

    result = ok(run_cli("run", cwd=root, dsn=dsn))

    assert f"{MODELS}/models.py" in result.wrote()
    assert not stale.exists()
    assert temp_files(root) == []
    assert '"note": str | None,' in (root / MODELS / "models.py").read_text()


# --- options ---------------------------------------------------------------------------------


def test_a_template_folder_replaces_the_emitters_templates_name_by_name(
    dsn: str, tmp_path: Path
) -> None:
    root = project(tmp_path, '[tool.schemasync.emitters.typeddict]\ntemplates = "templates"\n')
    (root / "templates").mkdir()
    (root / "templates" / "enum.py.j2").write_text(
        "# Custom enum template for {{ enum.qualified_name | py_string }}.\n"
        "{{ enum.name }}: TypeAlias = Literal["
        '{{ enum.members | map(attribute="1") | map("py_string") | join(", ") }}]\n'
    )

    ok(run_cli("run", cwd=root, dsn=dsn))

    models = (root / MODELS / "models.py").read_text()
    assert (
        '# Custom enum template for "public.task_status".\n'
        'TaskStatus: TypeAlias = Literal["todo", "in progress", "done"]\n'
    ) in models
    assert "class InvoiceRow(TypedDict):" in models  # the shipped typeddict.py.j2
    compile(models, "models.py", "exec")


@pytest.mark.parametrize(
    ("option", "key", "problem"),
    [
        ('enum_stlye = "literal"', "enum_stlye", "unknown key"),
        ('enum-style = "pascal"', "enum_style", "invalid enum value 'pascal'"),
        ('layout = "flat"', "layout", "invalid enum value 'flat'"),
        ("target_python = 3.12", "target_python", "expected `str`, got `float`"),
        ("output = 1", "output", "expected `str | null`, got `int`"),
    ],
)
def test_bad_emitter_options_are_config_errors_naming_the_key(
    dsn: str, tmp_path: Path, option: str, key: str, problem: str
) -> None:
    root = project(tmp_path, f"[tool.schemasync.emitters.typeddict]\n{option}\n")

    result = run_cli("run", cwd=root, dsn=dsn)

    assert result.code == 3, result.stderr
    assert result.stdout == ""
    error, *hints = result.stderr.splitlines()
    assert error.startswith("error: ")
    assert f"'{key}'" in error
    assert problem in error
    # The table as the user writes it.
    assert f"[tool.schemasync.emitters.typeddict] in {root / 'pyproject.toml'}" in error
    # Unknown keys and values get the allowed ones listed.
    assert len(hints) == ("expected" not in problem)
    assert all(hint.startswith("  hint: ") and "allowed " in hint for hint in hints)
    assert sorted(state(root)) == ["pyproject.toml"]


def test_strenum_needs_python_3_11(dsn: str, tmp_path: Path) -> None:
    root = project(tmp_path, '[tool.schemasync.emitters.typeddict]\nenum_style = "strenum"\n')

    result = run_cli("run", cwd=root, dsn=dsn)

    assert result.code == 3, result.stderr
    assert (
        result.stderr.splitlines()[0] == "error: enum_style 'strenum' needs Python 3.11 (StrEnum)"
    )
    assert sorted(state(root)) == ["pyproject.toml"]


# --- layouts ---------------------------------------------------------------------------------

CHECK_PACKAGE = """
import json, typing
import dbmodels
from dbmodels import billing, public, _types

print(json.dumps({
    "exports": sorted(name for name in vars(dbmodels) if not name.startswith("_")),
    "same": dbmodels.InvoiceRow is billing.InvoiceRow and dbmodels.TaskStatus is _types.TaskStatus,
    "labels": list(typing.get_args(dbmodels.TaskStatus)),
    "project_insert": [
        sorted(public.ProjectInsert.__required_keys__),
        sorted(public.ProjectInsert.__optional_keys__),
    ],
    "invoice_row": sorted(billing.InvoiceRow.__required_keys__),
    "invoice_update": sorted(billing.InvoiceUpdate.__optional_keys__),
}))
"""


def test_package_layout_writes_a_module_per_schema_and_imports(dsn: str, tmp_path: Path) -> None:
    root = project(
        tmp_path,
        '[tool.schemasync.emitters.typeddict]\nlayout = "package"\noutput = "src/dbmodels"\n',
    )

    result = ok(run_cli("run", cwd=root, dsn=dsn))

    package = root / "src" / "dbmodels"
    assert sorted(p.name for p in package.iterdir()) == [
        "__init__.py",
        "_types.py",
        "billing.py",
        "public.py",
    ]
    assert result.wrote() == {
        f"src/dbmodels/{name}" for name in ("__init__.py", "_types.py", "billing.py", "public.py")
    } | {LOCK, VERSION}
    assert "TaskStatus" in (package / "_types.py").read_text()
    assert "class InvoiceRow(TypedDict):" in (package / "billing.py").read_text()
    assert "from ._types import TaskStatus" in (package / "public.py").read_text()

    done = subprocess.run(
        [sys.executable, "-c", CHECK_PACKAGE],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root / "src")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert {
        "InvoiceInsert",
        "InvoiceRow",
        "InvoiceUpdate",
        "ProjectInsert",
        "ProjectRow",
        "ProjectUpdate",
        "TaskStatus",
    } <= set(found["exports"])
    assert found["same"] is True
    assert found["labels"] == ["todo", "in progress", "done"]
    assert found["project_insert"] == [["name"], ["due on", "status"]]
    assert found["invoice_row"] == ["amount", "id", "project_id"]
    assert found["invoice_update"] == ["amount", "id", "project_id"]


# --- overrides: config first, then plugins, then the defaults -------------------------------


def test_config_naming_and_type_overrides_shape_the_models(dsn: str, tmp_path: Path) -> None:
    root = project(
        tmp_path,
        "[tool.schemasync.naming]\n"
        '"public.task_status" = "Progress"\n'
        '"public.projects:row" = "ProjectRecord"\n\n'
        "[tool.schemasync.types]\n"
        '"pg_catalog.numeric" = "float"\n'
        '"pg_catalog.date" = { annotation = "Day", imports = ["app.calendar.Day"] }\n',
    )
    ok(run_cli("run", cwd=root, dsn=dsn))
    text = (root / MODELS / "models.py").read_text()
    assert "Progress: TypeAlias = Literal[" in text
    # "due on" is not an identifier: the functional syntax keeps the key exact.
    assert 'ProjectRecord = TypedDict(\n    "ProjectRecord",' in text
    assert '"status": Progress,' in text
    assert '"due on": Day | None,' in text
    assert "from app.calendar import Day" in text
    assert "ProjectInsert" in text  # only the Row was renamed
    assert "amount: float" in text
    assert "Decimal" not in text


def test_override_that_is_not_an_identifier_is_a_config_error(dsn: str, tmp_path: Path) -> None:
    root = project(tmp_path, '[tool.schemasync.naming]\n"public.task_status" = "not valid"\n')
    result = run_cli("run", cwd=root, dsn=dsn)
    assert result.code == 3
    assert "naming override 'public.task_status' = 'not valid'" in result.stderr
    assert not (root / MODELS).exists()


def test_a_type_mapping_plugin_overrides_the_default(dsn: str) -> None:
    import psycopg

    from schemasync import hookimpl
    from schemasync.api import PyType, TypeRequest
    from schemasync.codegen.generate import emit_context
    from schemasync.config import Config
    from schemasync.plugins import load_plugins
    from schemasync.sources.introspect import introspect

    class MoneyAsStr:
        @hookimpl
        def schemasync_map_type(self, request: TypeRequest) -> PyType | None:
            if request.type.name == "numeric":
                return PyType("MoneyText", (("app.money", "MoneyText"),))
            return None

    host = load_plugins()
    host.register(MoneyAsStr(), "money-as-str")
    with psycopg.connect(dsn) as conn:
        schema = introspect(conn)
    emitter = host.emitter("typeddict")
    context = emit_context(host, Config(), emitter.options_type(), ir.schema_hash(schema))
    (generated,) = emitter.emit(schema, context)
    text = generated.content.decode()
    assert "from app.money import MoneyText" in text
    assert "amount: MoneyText" in text


def test_package_with_only_a_domain_still_gets_register_types(pg_dsn: str, tmp_path: Path) -> None:
    # Domains are registered so psycopg loads arrays of them; there is no enum or composite
    # to put in _types, and the module must exist all the same.
    run_sql(
        pg_dsn,
        "CREATE DOMAIN public.score AS numeric(5, 2) CHECK (VALUE >= 0);"
        "CREATE TABLE public.results (id int PRIMARY KEY, scores public.score[]);",
    )
    root = project(tmp_path, PACKAGE)
    ok(run_cli("run", cwd=root, dsn=pg_dsn))
    package = root / MODELS
    assert "def register_types(" in (package / "_types.py").read_text()
    assert "register_types as register_types" in (package / "__init__.py").read_text()
    check = (
        "import psycopg, sys\n"
        "from psycopg.rows import dict_row\n"
        "sys.path.insert(0, 'models')\n"
        "import typeddict_models as models\n"
        f"conn = psycopg.connect({pg_dsn!r}, row_factory=dict_row)\n"
        "models.register_types(conn)\n"
        "conn.execute(\"INSERT INTO results VALUES (1, '{1.5,2}')\")\n"
        "print(repr(conn.execute('SELECT scores FROM results').fetchone()['scores']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", check], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[Decimal('1.50'), Decimal('2.00')]"


# --- leftovers: what an earlier run wrote and this one does not ------------------------------

DBMODELS = '[tool.schemasync.emitters.typeddict]\nlayout = "package"\noutput = "src/dbmodels"\n'


def test_a_dropped_schema_s_module_is_deleted_and_check_is_clean(dsn: str, tmp_path: Path) -> None:
    root = project(tmp_path, DBMODELS)
    ok(run_cli("run", cwd=root, dsn=dsn))
    package = root / "src" / "dbmodels"
    mine = package / "queries.py"
    mine.write_text('"""Hand-written, beside the generated modules."""\n')
    run_sql(dsn, "DROP SCHEMA billing CASCADE")

    offline = run_cli("check", "--offline", cwd=root)
    assert offline.code == 0, offline.stdout  # the lock still holds billing: nothing stale
    result = ok(run_cli("run", cwd=root, dsn=dsn))

    assert "deleted src/dbmodels/billing.py" in result.stdout.splitlines()
    # Only what describes billing changes: the package's exports, the lock, the version.
    # _types holds RELATIONSHIPS, which lose billing's foreign keys.
    assert result.wrote() == {"src/dbmodels/__init__.py", "src/dbmodels/_types.py", LOCK, VERSION}
    assert result.summary().startswith("4 written, 1 deleted, 1 unchanged;")
    assert sorted(p.name for p in package.iterdir()) == [
        "__init__.py",
        "_types.py",
        "public.py",
        "queries.py",
    ]
    assert mine.read_text() == '"""Hand-written, beside the generated modules."""\n'
    for args in (("check",), ("check", "--offline")):
        checked = run_cli(*args, cwd=root, dsn=dsn)
        assert checked.code == 0, checked.stdout
        assert checked.stdout.startswith("ok: no drift")


def test_switching_the_layout_leaves_no_old_file(dsn: str, tmp_path: Path) -> None:
    root = project(tmp_path, PACKAGE)
    ok(run_cli("run", cwd=root, dsn=dsn))
    output = root / MODELS
    # Imported once, as an application would: byte-code lands beside the modules.
    subprocess.run(
        [sys.executable, "-c", "import models.typeddict_models.public"],
        cwd=root,
        env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        check=True,
        timeout=60,
    )
    assert (output / "__pycache__").is_dir()
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text().replace('layout = "package"', 'layout = "module"')
    )

    for args in (("check",), ("check", "--offline")):
        checked = run_cli(*args, "--format", "json", cwd=root, dsn=dsn)
        assert checked.code == 1
        stale = {(s["path"], s["state"]) for s in json.loads(checked.stdout)["stale"]}
        assert (f"{MODELS}/billing.py", "leftover") in stale
        assert (f"{MODELS}/models.py", "missing") in stale
    text = run_cli("check", "--offline", cwd=root)
    assert (
        f"LEFTOVER  {MODELS}/billing.py: generated earlier, no longer produced; "
        "run `schemasync run` to delete it"
    ) in text.stdout.splitlines()
    assert ", 4 leftover generated files;" in text.stdout.splitlines()[-1]

    result = ok(run_cli("run", cwd=root, dsn=dsn))

    deleted = {line for line in result.stdout.splitlines() if line.startswith("deleted ")}
    names = ("__init__.py", "_types.py", "billing.py", "public.py")
    assert deleted == {f"deleted {MODELS}/{name}" for name in names}
    assert sorted(p.relative_to(output).as_posix() for p in output.rglob("*")) == ["models.py"]
    checked = run_cli("check", "--offline", cwd=root)
    assert checked.code == 0, checked.stdout


def test_moving_the_output_removes_the_folders_it_emptied(dsn: str, tmp_path: Path) -> None:
    root = project(tmp_path, DBMODELS)
    ok(run_cli("run", cwd=root, dsn=dsn))
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text().replace("src/dbmodels", "gen/dbmodels")
    )

    result = ok(run_cli("run", cwd=root, dsn=dsn))

    assert ", 4 deleted, " in result.summary()
    assert not (root / "src").exists()
    assert sorted(p.name for p in (root / "gen" / "dbmodels").iterdir()) == [
        "__init__.py",
        "_types.py",
        "billing.py",
        "public.py",
    ]


def test_a_leftover_the_user_made_their_own_is_never_deleted(dsn: str, tmp_path: Path) -> None:
    root = project(tmp_path, DBMODELS)
    ok(run_cli("run", cwd=root, dsn=dsn))
    billing = root / "src" / "dbmodels" / "billing.py"
    billing.write_text('"""Now hand-written: the generated header is gone."""\n')
    run_sql(dsn, "DROP SCHEMA billing CASCADE")

    result = ok(run_cli("run", cwd=root, dsn=dsn))

    assert ", 0 deleted, " in result.summary()
    assert billing.read_text() == '"""Now hand-written: the generated header is gone."""\n'


def test_dry_run_lists_what_would_change_and_touches_nothing(dsn: str, tmp_path: Path) -> None:
    root = project(tmp_path, DBMODELS)
    ok(run_cli("run", cwd=root, dsn=dsn))
    run_sql(dsn, "DROP SCHEMA billing CASCADE; ALTER TABLE public.projects ADD COLUMN note text")
    before = state(root)

    result = ok(run_cli("run", "--dry-run", cwd=root, dsn=dsn))

    assert set(result.stdout.splitlines()[:-1]) == {
        "would write src/dbmodels/__init__.py",
        # Its RELATIONSHIPS lose billing's foreign keys.
        "would write src/dbmodels/_types.py",
        "would write src/dbmodels/public.py",
        f"would write {LOCK}",
        f"would write {VERSION}",
        "would delete src/dbmodels/billing.py",
    }
    assert result.summary().startswith(
        "dry run, nothing changed: 5 written, 1 deleted, 0 unchanged; schema version 2 ("
    )
    assert state(root) == before  # same bytes, inodes and modification times
    assert temp_files(root) == []
