"""Generated function types against a real PostgreSQL: every function of
``tests/fixtures/sql/functions.sql`` is called through psycopg (``SELECT * FROM fn(...)``) and
through the JSON PostgREST would send (built in SQL with ``to_json`` / ``json_agg``); its
arguments and its result validate with the types of every emitter and both wire profiles, and
code using them passes ``mypy --strict`` and pyright."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import msgspec
import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row, tuple_row
from psycopg.types.json import Json, Jsonb

import pydantic
from generated import generate, import_path, load_schema, mypy, run_python, write_package
from pg import fixture_sql, run_sql
from schemasync import ir
from schemasync.api import Profile
from schemasync.codegen.model import FunctionModel, ModelSet
from schemasync.plugins import load_plugins

pytestmark = pytest.mark.postgres

EMITTERS = ("typeddict", "pydantic", "msgspec")
PROFILES: tuple[Profile, ...] = ("python", "json")


@dataclass(frozen=True)
class Call:
    """One call of a fixture function: its signature, the arguments (exact names), and what
    it returns in the python profile."""

    signature: str
    args: Mapping[str, object]
    expected: object


BOOK_1: dict[str, object] = {
    "id": 1,
    "author_id": 1,
    "editor_id": 2,
    "title": "Notes",
    "tags": ["math", "engines"],
    "price": {"amount": Decimal("12.50"), "currency": "EUR"},
}
BOOK_2: dict[str, object] = {
    "id": 2,
    "author_id": 1,
    "editor_id": None,
    "title": "Letters",
    "tags": [],
    "price": None,
}
CALLS = (
    Call("add(a integer, b integer)", {"a": 1}, 2),
    Call("add(a integer, b integer)", {"a": 1, "b": 5}, 6),
    Call("add(a numeric, b numeric)", {"a": Decimal("1.5"), "b": Decimal(2)}, Decimal("3.5")),
    Call("add(a text, b text)", {"a": "ab", "b": "cd"}, "abcd"),
    Call("total(VARIADIC numbers integer[])", {"numbers": [1, 2, 3]}, 6),
    Call("greet(greeting text, VARIADIC names text[])", {}, "hello "),
    Call(
        "greet(greeting text, VARIADIC names text[])",
        # PostgreSQL matches a named variadic argument only after the arguments before it.
        {"greeting": "hey", "names": ["Ada", "Bo"]},
        "hey Ada, Bo",
    ),
    Call(
        "split_name(full_name text, OUT first text, OUT last text)",
        {"full_name": "Ada"},
        {"first": "Ada", "last": None},
    ),
    Call("increment(INOUT counter integer, step integer)", {"counter": 4}, 5),
    Call(
        "author_names(OUT id bigint, OUT name text)",
        {},
        [{"id": 1, "name": "Ada"}, {"id": 2, "name": "Brian"}],
    ),
    Call(
        "author_stats(min_books integer)",
        {"min_books": 2},
        [{"author_id": 1, "books": 2, "titles": ["Notes", "Letters"], "mood": "happy"}],
    ),
    Call("books_by(author bigint)", {"author": 1}, [BOOK_1, BOOK_2]),
    Call("first_author()", {}, {"id": 1, "name": "Ada", "mood": "happy"}),
    Call("titles()", {}, ["Notes", "Letters", "The C Book"]),
    Call(
        "make_price(amount numeric, currency text)",
        {"amount": Decimal(3)},
        {"amount": Decimal("3.00"), "currency": "EUR"},
    ),
    Call(
        "prices()",
        {},
        [
            {"amount": Decimal("12.50"), "currency": "EUR"},
            {"amount": Decimal("30.00"), "currency": "USD"},
        ],
    ),
    Call("mood_of(author bigint)", {"author": 2}, None),
    Call("moods()", {}, ["happy", "sad", "meh"]),
    Call("log_visit(page text)", {"page": "/home"}, None),
    Call("same(value anyelement)", {"value": 42}, 42),
    Call("first_of(items anyarray)", {"items": [7, 8]}, 7),
    Call("settings(extra jsonb)", {"extra": {"lang": "en"}}, {"lang": "en", "theme": "dark"}),
    Call("echo_json(doc json)", {"doc": [1, "two", None]}, [1, "two", None]),
    Call("tags_of(book bigint)", {"book": 1}, ["math", "engines"]),
    Call("double_all(numbers integer[])", {"numbers": [1, None, 3]}, [2, None, 6]),
    Call("checked(n library.positive)", {"n": 9}, 9),
    Call("last_visit(page text)", {"page": "/nowhere"}, None),
    Call("is_author(name text)", {"name": "Ada"}, True),
)


@pytest.fixture(scope="module")
def library(pg_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from pg import scratch_database

    with scratch_database(pg_server.dsn()) as dsn:
        run_sql(dsn, fixture_sql("functions"))
        yield dsn, load_schema(load_plugins(), dsn)


def _functions(schema: ir.Schema) -> dict[str, ir.Function]:
    return {f.signature.removeprefix("library."): f for f in schema.functions}


def test_the_calls_cover_every_function(library: tuple[str, ir.Schema]) -> None:
    _, schema = library
    called = {call.signature for call in CALLS}
    functions = {s for s, f in _functions(schema).items() if f.kind == "function"}
    assert functions == called
    assert len(functions) >= 20


def _call_sql(fn: ir.Function, args: Mapping[str, object], shape: str) -> sql.Composed:
    """``fn`` called with named arguments; ``shape`` chooses what the query returns."""
    parts: list[sql.Composable] = []
    for argument in fn.inputs:
        if argument.name is None or argument.name not in args:
            continue
        assert argument.type_ref is not None
        value: sql.Composable = sql.Placeholder(argument.name)
        if argument.type_ref.kind != "pseudo":
            value = sql.SQL("{}::{}").format(value, sql.SQL(argument.type))
        variadic = sql.SQL("VARIADIC " if argument.mode == "variadic" else "")
        parts.append(sql.SQL("{}{} => {}").format(variadic, sql.Identifier(argument.name), value))
    call = sql.SQL("{}({})").format(sql.Identifier(fn.schema, fn.name), sql.SQL(", ").join(parts))
    return sql.SQL(shape).format(call=call)


def _params(fn: ir.Function, args: Mapping[str, object]) -> dict[str, object]:
    wrapped: dict[str, object] = {}
    for argument in fn.inputs:
        if argument.name is not None and argument.name in args:
            value = args[argument.name]
            wrapped[argument.name] = (
                Jsonb(value) if argument.type == "jsonb" else Json(value)
                if argument.type == "json" else value
            )  # fmt: skip
    return wrapped


def _through_psycopg(
    conn: psycopg.Connection[dict[str, Any]], schema: ir.Schema, call: Call
) -> object:
    fn = _functions(schema)[call.signature]
    rows = conn.execute(_call_sql(fn, call.args, "SELECT * FROM {call}"), _params(fn, call.args))
    found = rows.fetchall()
    kind = schema.result_kind(fn)
    if kind == "void":
        return None
    values: list[object] = (
        [next(iter(row.values())) for row in found] if kind == "scalar" else list(found)
    )
    if fn.returns_set:
        return values
    (value,) = values
    if kind in ("row", "composite") and isinstance(value, dict):
        # One NULL row of a composite result reads as a row of NULLs.
        row: dict[str, object] = value
        return None if all(v is None for v in row.values()) else row
    return value


def _through_json(conn: psycopg.Connection[Any], schema: ir.Schema, call: Call) -> str:
    """The JSON text PostgREST answers a call with: an array for a set, else one value."""
    fn = _functions(schema)[call.signature]
    kind = schema.result_kind(fn)
    if kind == "void":
        return "null"
    whole = "t" if kind in ("row", "columns", "composite") else "t.v"
    alias = "t" if kind in ("row", "columns", "composite") else "t(v)"
    if fn.returns_set:
        shape = f"SELECT coalesce(json_agg({whole}), '[]')::text FROM {{call}} AS {alias}"
    elif kind in {"composite", "row"}:
        # A NULL composite is null, not an object of nulls.
        shape = "SELECT CASE WHEN t IS NULL THEN 'null' ELSE to_json(t)::text END FROM {call} AS t"
    else:
        shape = f"SELECT coalesce(to_json({whole})::text, 'null') FROM {{call}} AS {alias}"
    cursor = conn.cursor(row_factory=tuple_row)
    (text,) = cursor.execute(_call_sql(fn, call.args, shape), _params(fn, call.args)).fetchall()
    return str(text[0])


@dataclass(frozen=True)
class Generated:
    emitter: str
    profile: Profile
    package: Path
    models: ModuleType
    model_set: ModelSet

    def function(self, signature: str) -> FunctionModel:
        (found,) = [
            f for f in self.model_set.functions if f.function.signature == f"library.{signature}"
        ]
        return found


def _generate(schema: ir.Schema, root: Path, emitter: str, profile: Profile) -> Generated:
    from schemasync import __version__
    from schemasync.api import EmitContext

    host = load_plugins()
    name = f"{emitter}_{profile}"
    files = generate(
        host, schema, emitter, {"profile": profile, "layout": "module"}, root / f"{name}-project"
    )
    package = write_package(root / name, files)
    emitter_object = host.emitter(emitter)
    context = EmitContext(
        options=emitter_object.options_type(profile=profile),
        profile=profile,
        schema_hash=ir.schema_hash(schema),
        tool_version=__version__,
        decide_name=lambda request: host.hook.schemasync_name(request=request),
        map_type=lambda request: host.hook.schemasync_map_type(request=request),
    )
    model_set = context.models(schema, target=emitter, reserved_names=emitter_object.reserved_names)
    return Generated(emitter, profile, package, import_path(package / "models.py"), model_set)


def _validate(generated: Generated, fn: FunctionModel, args: object, result: object) -> None:
    """``args`` and ``result`` are accepted by the generated types at run time (Pydantic and
    msgspec; TypedDicts are checked by the type checkers)."""
    returns = getattr(generated.models, fn.returns.name)
    args_type = getattr(generated.models, fn.args.name)
    if generated.emitter == "pydantic":
        args_type.model_validate(args)
        validated = pydantic.TypeAdapter(returns).validate_python(result)
        if result is not None:
            assert validated is not None
    elif generated.emitter == "msgspec":
        msgspec.convert(args, args_type, strict=False)
        msgspec.convert(result, returns, strict=False)


def _literal(value: object) -> str:
    if isinstance(value, dict):
        items = ", ".join(f"{k!r}: {_literal(v)}" for k, v in value.items())
        return f"{{{items}}}"
    if isinstance(value, list):
        return f"[{', '.join(_literal(v) for v in value)}]"
    return repr(value)


def _usage(
    generated: Generated, values: list[tuple[FunctionModel, Mapping[str, object], object]]
) -> str:
    """A module using every function's types the way calling code would."""
    lines: list[str] = []
    if generated.emitter == "typeddict":
        lines.append("from . import models")
        for n, (fn, args, result) in enumerate(values):
            lines.append(f"args_{n}: models.{fn.args.name} = {_literal(args)}")
            lines.append(f"result_{n}: models.{fn.returns.name} = {_literal(result)}")
    else:
        if generated.emitter == "pydantic":
            lines.append("from pydantic import TypeAdapter")
            convert = "TypeAdapter[models.{0}](models.{0}).validate_python({1})"
        else:
            lines.append("import msgspec")
            convert = "msgspec.convert({1}, models.{0})"
        lines.append("from . import models")
        for n, (fn, args, result) in enumerate(values):
            attrs = {f.db_name: f.attr for f in fn.args.fields}
            keywords = ", ".join(f"{attrs[k]}={_literal(v)}" for k, v in args.items())
            lines.append(f"args_{n} = models.{fn.args.name}({keywords})")
            lines.append(
                f"result_{n}: models.{fn.returns.name} = "
                + convert.format(fn.returns.name, _literal(result))
            )
    text = "\n".join(lines) + "\n"
    return ("from decimal import Decimal\n" if "Decimal(" in text else "") + text


def test_every_function_through_psycopg_and_json_with_every_emitter(
    library: tuple[str, ir.Schema], tmp_path: Path
) -> None:
    dsn, schema = library
    # psycopg reads the composite types as the python profile declares once taught them.
    registering = _generate(schema, tmp_path / "register", "typeddict", "python")
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        registering.models.register_types(conn)
        python_results = [_through_psycopg(conn, schema, call) for call in CALLS]
        json_texts = [_through_json(conn, schema, call) for call in CALLS]
        conn.rollback()
    # The calls return what the fixture says (so the checks below check something).
    assert python_results == [call.expected for call in CALLS]
    for text, call in zip(json_texts, CALLS, strict=True):
        assert json.loads(text) == json.loads(
            json.dumps(call.expected, default=lambda v: float(v) if isinstance(v, Decimal) else v)
        ), call.signature
    packages: list[str] = []
    for emitter in EMITTERS:
        for profile in PROFILES:
            generated = _generate(schema, tmp_path, emitter, profile)
            used: list[tuple[FunctionModel, Mapping[str, object], object]] = []
            for call, read, text in zip(CALLS, python_results, json_texts, strict=True):
                fn = generated.function(call.signature)
                if profile == "json":
                    args: dict[str, object] = json.loads(json.dumps(call.args, default=float))
                    result = json.loads(text)
                    if emitter == "msgspec":
                        msgspec.json.decode(text, type=getattr(generated.models, fn.returns.name))
                    elif emitter == "pydantic":
                        pydantic.TypeAdapter(
                            getattr(generated.models, fn.returns.name)
                        ).validate_json(text)
                else:
                    args, result = dict(call.args), read
                _validate(generated, fn, args, result)
                # Code builds Pydantic and msgspec arguments from Python values (Decimal, not
                # the float JSON carries); a TypedDict of the json profile is the JSON itself.
                written_args = args if emitter == "typeddict" else dict(call.args)
                used.append((fn, written_args, result))
            (generated.package / "usage.py").write_text(_usage(generated, used), encoding="utf-8")
            packages.append(generated.package.name)
    typed = mypy(packages, cwd=tmp_path, python="3.10", cache=tmp_path / "mypy-cache")
    assert typed.returncode == 0, typed.stdout + typed.stderr
    config = {"typeCheckingMode": "strict", "pythonVersion": "3.10", "include": packages}
    (tmp_path / "pyrightconfig.json").write_text(json.dumps(config), encoding="utf-8")
    checked = run_python(
        "-m", "pyright", "--pythonpath", sys.executable, "--project", ".", cwd=tmp_path
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_wrong_arguments_and_results_are_refused(
    library: tuple[str, ir.Schema], tmp_path: Path
) -> None:
    _, schema = library
    pyd = _generate(schema, tmp_path, "pydantic", "json")
    spec = _generate(schema, tmp_path, "msgspec", "json")
    add = pyd.function("add(a integer, b integer)")
    with pytest.raises(pydantic.ValidationError):
        getattr(pyd.models, add.args.name).model_validate({"b": 1})  # a is required
    stats = pyd.function("author_stats(min_books integer)")
    with pytest.raises(pydantic.ValidationError):
        # A set-returning function returns a list, not one row.
        pydantic.TypeAdapter(getattr(pyd.models, stats.returns.name)).validate_json(
            '{"author_id": 1, "books": 2, "titles": [], "mood": "happy"}'
        )
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(
            '[{"author_id": 1, "books": 2, "titles": [], "mood": "angry"}]',
            type=getattr(
                spec.models,
                spec.function(stats.function.signature.removeprefix("library.")).returns.name,
            ),
        )
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode("3", type=spec.models.LogVisitReturns)
