"""Random schemas with hostile names through every installed emitter.

Hypothesis builds schemas (tables, columns, an enum, a composite type) whose names hold
quotes, backslashes, keywords, builtins, leading digits, spaces, Unicode of every category
(``No`` included), very long names and names that collide once made Python names, over
types of every kind. Each one is created in a real database and read back; every installed
emitter generates its files, which must compile, import, pass ``ruff check``, be left
unchanged by ``ruff format`` and pass ``mypy --strict`` (once, over the whole batch), and
read back with no drift. A column name msgspec cannot carry must be refused by ``run``
with a ``ConfigError``, never written.

``SCHEMASYNC_FUZZ_EXAMPLES`` sets the number of schemas (``nox -s fuzz`` runs many more).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generated import OUTPUT, generate, import_path, mypy, run_python, write_package
from schemasync import ir
from schemasync.config import Config, Settings
from schemasync.drift.check import check
from schemasync.errors import ConfigError
from schemasync.pipeline import SourceChoice, read_schema
from schemasync.plugins import PluginHost, load_plugins

pytestmark = pytest.mark.postgres

EXAMPLES = int(os.environ.get("SCHEMASYNC_FUZZ_EXAMPLES", "8"))
#: Emitters that write Python (the docs emitter writes Markdown, checked by its own tests).
PYTHON_EMITTERS = ("typeddict", "pydantic", "msgspec")
#: Names known to be trouble: imports, keywords, builtins, digits, quotes, numbers of
#: category No, what collides after naming.
HOSTILE = (
    "Decimal", "UUID", "decimal", "range", "datetime", "date", "Literal", "Any", "Field",
    "MISSING", "UNSET", "Struct", "BaseModel", "TypedDict", "JsonValue", "class", "None",
    "id", "type", "list", "1st", "௰", "½", "a௰b", "x y", "X_Y", "x-y", 'q"uote', "back\\slash",
    "tab\there", "Ω≈ç√", "model_config", "model_dump", "register_types", "_types", "__init__",
    "ﬁ", "é", "e\u0301", "\u0301x", "a" * 63,
)  # fmt: skip
#: PostgreSQL types a column may have; ``E`` and ``C`` are the example's enum and composite.
TYPES = (
    "integer", "bigint", "text", "varchar(5)", "numeric(10,2)", "numeric", "boolean", "uuid",
    "bytea", "jsonb", "json", "timestamptz", "timestamp", "date", "time", "interval", "inet",
    "cidr", "int4range", "tstzrange", "text[]", "integer[][]", "E", "E[]", "C",
)  # fmt: skip
#: What msgspec refuses in a field name.
_MSGSPEC_REFUSES = re.compile(r'[\\"\x00-\x1f]')


def _valid(name: str) -> bool:
    # PostgreSQL keeps 63 bytes of a name and refuses NUL.
    return 0 < len(name.encode()) <= 63 and "\x00" not in name


names = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12),
).filter(_valid)


@st.composite
def schemas(draw: st.DrawFn) -> str:
    """The SQL of a random schema in the schema ``fz``."""
    labels = draw(st.lists(names, min_size=1, max_size=4, unique=True))
    attributes = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    script = [
        "CREATE SCHEMA fz;",
        f"CREATE TYPE fz.{_q(draw(names))} AS ENUM ({', '.join(map(_lit, labels))});",
    ]
    enum = script[-1].split(" AS ")[0].removeprefix("CREATE TYPE ")
    composite = f"fz.{_q(draw(names.filter(lambda n: f'fz.{_q(n)}' != enum)))}"
    script.append(
        f"CREATE TYPE {composite} AS ("
        + ", ".join(f"{_q(a)} {draw(st.sampled_from(TYPES[:8]))}" for a in attributes)
        + ");"
    )
    taken = {enum, composite}
    for table in draw(st.lists(names, min_size=1, max_size=3, unique=True)):
        qualified = f"fz.{_q(table)}"
        if qualified in taken:
            continue
        taken.add(qualified)
        columns = draw(st.lists(names, min_size=1, max_size=6, unique=True))
        defs = []
        for i, column in enumerate(columns):
            kind = draw(st.sampled_from(TYPES))
            # By the whole placeholder: the enum's own name may hold a C.
            kind = {"E": enum, "E[]": f"{enum}[]", "C": composite}.get(kind, kind)
            # json has no equality, so no primary key.
            key = " PRIMARY KEY" if i == 0 and kind != "json" else ""
            extra = draw(st.sampled_from(("", " NOT NULL", key)))
            if kind in ("integer", "bigint", "text") and draw(st.booleans()):
                extra += " NOT NULL DEFAULT " + ("0" if kind != "text" else "''")
            defs.append(f"{_q(column)} {kind}{extra}")
        script.append(f"CREATE TABLE {qualified} ({', '.join(defs)});")
    return "\n".join(script)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _emitters(host: PluginHost) -> list[str]:
    return [name for name in PYTHON_EMITTERS if name in host.emitters()]


def _config(root: Path, emitter: str) -> Config:
    return Config(
        settings=Settings(
            include_schemas=("fz",), emit=(emitter,), emitters={emitter: {"output": OUTPUT}}
        ),
        path=root / "pyproject.toml",
    )


def _import_everything(folder: Path, files: dict[str, bytes]) -> None:
    """Import the generated module, or the package and every name it exports (a lazy
    package imports each module on first use)."""
    module = import_path(folder / ("__init__.py" if "__init__.py" in files else "models.py"))
    for name in getattr(module, "__all__", ()):
        getattr(module, name)


def test_random_schemas_generate_code_that_works(pg_dsn: str, tmp_path: Path) -> None:
    host = load_plugins()
    emitters = _emitters(host)
    folders: list[Path] = []
    counter = iter(range(10**6))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(script=schemas())
    def one(script: str) -> None:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS fz CASCADE")
            conn.execute(script.encode())
        schema = read_schema(host, _config(tmp_path, "typeddict"), SourceChoice(target=pg_dsn))
        unnameable = [
            n
            for n in [
                *(c.name for r in schema.relations for c in r.columns),
                *(a.name for c in schema.composite_types for a in c.attributes),
            ]
            if _MSGSPEC_REFUSES.search(n)
        ]
        for emitter in emitters:
            root = tmp_path / f"case{next(counter)}"
            root.mkdir()
            if emitter == "msgspec" and unnameable:
                with pytest.raises(ConfigError, match="msgspec cannot carry the column"):
                    generate(host, schema, emitter, {}, root)
                continue
            files = generate(host, schema, emitter, {}, root)
            for relative, content in files.items():
                compile(content, relative, "exec", dont_inherit=True)
            folder = write_package(root / OUTPUT, files)
            _import_everything(folder, files)
            (root / "__init__.py").touch()  # case<n>.out for mypy
            result = check(host, _config(root, emitter), lambda: schema, against="code")
            assert not result.changes, [c.change for c in result.changes]
            folders.append(folder)

    one()
    if not folders:
        return
    # The default rules, and the order of imports (I001) and of __all__ (RUF022).
    ruff = run_python(
        "-m", "ruff", "check", "--isolated", "--no-cache", "--target-version", "py310",
        "--extend-select", "I001,RUF022", *map(str, folders), cwd=tmp_path,
    )  # fmt: skip
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    # Long and hostile names make long statements: ruff format must find nothing to change.
    ruff = run_python(
        "-m", "ruff", "format", "--check", "--isolated", "--no-cache", *map(str, folders),
        cwd=tmp_path,
    )  # fmt: skip
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    # Each case is a package of its own, checked in one mypy run.
    paths = [str(f.relative_to(tmp_path)) for f in folders]
    result = mypy(paths, cwd=tmp_path, python="3.10", cache=tmp_path / "mypy-cache")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("layout", ["module", "package", "lazy-package"])
def test_an_empty_schema_gives_valid_importable_output(tmp_path: Path, layout: str) -> None:
    """A wrong database or everything excluded: every emitter still writes valid modules
    (no ``if TYPE_CHECKING:`` with nothing under it), which import and pass ruff."""
    host = load_plugins()
    empty = ir.Schema(schemas=("public",))
    written: list[Path] = []
    for emitter in _emitters(host):
        root = tmp_path / emitter
        files = generate(host, empty, emitter, {"layout": layout}, root)
        assert files, emitter
        for relative, content in files.items():
            compile(content, relative, "exec", dont_inherit=True)
        folder = write_package(root / OUTPUT, files)
        _import_everything(folder, files)
        written.append(folder)
    if written:
        ruff = run_python(
            "-m", "ruff", "check", "--isolated", "--no-cache", "--extend-select", "I001,RUF022",
            *map(str, written), cwd=tmp_path,
        )  # fmt: skip
        assert ruff.returncode == 0, ruff.stdout + ruff.stderr
        ruff = run_python(
            "-m", "ruff", "format", "--check", "--isolated", "--no-cache", *map(str, written),
            cwd=tmp_path,
        )  # fmt: skip
        assert ruff.returncode == 0, ruff.stdout + ruff.stderr
