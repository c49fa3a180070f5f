"""Row variants with embedded related rows (the ``embedded_rows`` option) against a real
PostgreSQL, on ``tests/fixtures/sql/embedded.sql``: many-to-one, one-to-many, one-to-one, two
keys to one table and a self-reference.

JSON nested the way PostgREST nests a select with embedded resources (``json_build_object``,
``to_json`` for a row, ``json_agg`` for a list, ``[]`` when there is none), written out by
hand here, validates through every emitter's variants in every layout; a select that embeds
nothing validates too; code using the variants passes ``mypy --strict`` and pyright; and
``check`` right after ``run`` finds nothing, while a dropped column is still found through
them."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import msgspec
import psycopg
import pytest

import pydantic
from cli import run_cli
from generated import generate, import_path, load_schema, mypy, run_python, write_package
from pg import PgServer, fixture_sql, run_sql, scratch_database
from schemasync import __version__, ir
from schemasync.api import EmitContext
from schemasync.codegen.generate import fingerprint
from schemasync.config import Config, Settings
from schemasync.plugins import load_plugins

pytestmark = pytest.mark.postgres

EMITTERS = ("typeddict", "pydantic", "msgspec")

#: Every variant's embedded keys, and the select string PostgREST answers with each one.
SELECTS: Mapping[str, Mapping[str, str]] = {
    "CategoryWithRelations": {
        # Two keys referencing their own table: aliases both ways, the key column as hint.
        "merged_into_categories": "merged_into_categories:merged_into(*)",
        "parent": "parent:parent_id(*)",
        "categories_merged_into": "categories_merged_into:categories!merged_into(*)",
        "categories_parent": "categories_parent:categories!parent_id(*)",
    },
    "ChannelSettingWithRelations": {"channels": "channels(*)"},
    "ChannelWithRelations": {
        "channel_settings": "channel_settings(*)",
        "messages": "messages(*)",
    },
    "MessageWithRelations": {
        "author": "author:users!messages_author_id_fkey(*)",
        "channels": "channels(*)",
        "editor": "editor:users!messages_editor_id_fkey(*)",
        # A self-reference: PostgREST reads the key column as the row it points at...
        "reply_to_messages": "reply_to_messages:reply_to(*)",
        # ... and the table's own name as the rows that point at this one.
        "messages": "messages(*)",
    },
    # folders has a column named users: the embedding gets an alias.
    "FolderWithRelations": {"owner": "owner:users!folders_owner_id_fkey(*)"},
    "ProfileWithRelations": {"users": "users(*)"},
    "UserWithRelations": {
        "folders": "folders(*)",
        "messages_author": "messages_author:messages!messages_author_id_fkey(*)",
        "messages_editor": "messages_editor:messages!messages_editor_id_fkey(*)",
        "profiles": "profiles(*)",
    },
}
#: The keys PostgREST embeds as a list.
MANY = {
    "messages",
    "messages_author",
    "messages_editor",
    "folders",
    "categories_merged_into",
    "categories_parent",
}

#: What PostgREST answers, per variant, for a select of every column and every embedding
#: of SELECTS: to-one keys are an object or null, to-many keys an array, ``[]`` when empty.
NESTED_JSON: Mapping[str, str] = {
    "MessageWithRelations": """
        SELECT json_agg(json_build_object(
            'id', m.id, 'channel_id', m.channel_id, 'author_id', m.author_id,
            'editor_id', m.editor_id, 'reply_to', m.reply_to, 'body', m.body,
            'sent_at', m.sent_at,
            'channels', (SELECT to_json(c) FROM channels c WHERE c.id = m.channel_id),
            'author', (SELECT to_json(u) FROM users u WHERE u.id = m.author_id),
            'editor', (SELECT to_json(u) FROM users u WHERE u.id = m.editor_id),
            'reply_to_messages', (SELECT to_json(r) FROM messages r WHERE r.id = m.reply_to),
            'messages', coalesce(
                (SELECT json_agg(r ORDER BY r.id) FROM messages r WHERE r.reply_to = m.id), '[]')
        ) ORDER BY m.id) FROM messages m""",
    "ChannelWithRelations": """
        SELECT json_agg(json_build_object(
            'id', c.id, 'name', c.name,
            'channel_settings',
                (SELECT to_json(s) FROM channel_settings s WHERE s.channel_id = c.id),
            'messages', coalesce(
                (SELECT json_agg(m ORDER BY m.id) FROM messages m WHERE m.channel_id = c.id),
                '[]')
        ) ORDER BY c.id) FROM channels c""",
    "UserWithRelations": """
        SELECT json_agg(json_build_object(
            'id', u.id, 'handle', u.handle,
            'messages_author', coalesce(
                (SELECT json_agg(m ORDER BY m.id) FROM messages m WHERE m.author_id = u.id),
                '[]'),
            'messages_editor', coalesce(
                (SELECT json_agg(m ORDER BY m.id) FROM messages m WHERE m.editor_id = u.id),
                '[]'),
            'profiles', (SELECT to_json(p) FROM profiles p WHERE p.user_id = u.id),
            'folders', coalesce(
                (SELECT json_agg(f ORDER BY f.id) FROM folders f WHERE f.owner_id = u.id), '[]')
        ) ORDER BY u.id) FROM users u""",
    "CategoryWithRelations": """
        SELECT json_agg(json_build_object(
            'id', c.id, 'parent_id', c.parent_id, 'merged_into', c.merged_into,
            'label', c.label,
            'parent', (SELECT to_json(p) FROM categories p WHERE p.id = c.parent_id),
            'merged_into_categories',
                (SELECT to_json(p) FROM categories p WHERE p.id = c.merged_into),
            'categories_parent', coalesce(
                (SELECT json_agg(k ORDER BY k.id) FROM categories k WHERE k.parent_id = c.id),
                '[]'),
            'categories_merged_into', coalesce(
                (SELECT json_agg(k ORDER BY k.id) FROM categories k WHERE k.merged_into = c.id),
                '[]')
        ) ORDER BY c.id) FROM categories c""",
    "FolderWithRelations": """
        SELECT json_agg(json_build_object(
            'id', f.id, 'owner_id', f.owner_id, 'users', f.users,
            'owner', (SELECT to_json(u) FROM users u WHERE u.id = f.owner_id)
        ) ORDER BY f.id) FROM folders f""",
    "ChannelSettingWithRelations": """
        SELECT json_agg(json_build_object(
            'channel_id', s.channel_id, 'muted', s.muted,
            'channels', (SELECT to_json(c) FROM channels c WHERE c.id = s.channel_id)
        ) ORDER BY s.channel_id) FROM channel_settings s""",
    "ProfileWithRelations": """
        SELECT json_agg(json_build_object(
            'user_id', p.user_id, 'bio', p.bio,
            'users', (SELECT to_json(u) FROM users u WHERE u.id = p.user_id)
        ) ORDER BY p.user_id) FROM profiles p""",
}
#: The same relations selected without embedding anything (``select=*``).
FLAT_JSON: Mapping[str, str] = {
    "MessageWithRelations": "SELECT json_agg(m ORDER BY m.id) FROM messages m",
    "ChannelWithRelations": "SELECT json_agg(c ORDER BY c.id) FROM channels c",
    "UserWithRelations": "SELECT json_agg(u ORDER BY u.id) FROM users u",
}


@pytest.fixture(scope="module")
def database(pg_server: PgServer) -> Iterator[str]:
    """A database with the fixture and its rows, for the module's read-only tests."""
    with scratch_database(pg_server.dsn()) as dsn:
        run_sql(dsn, fixture_sql("embedded"))
        yield dsn


@pytest.fixture(scope="module")
def schema(database: str) -> ir.Schema:
    return load_schema(load_plugins(), database)


def _json(dsn: str, query: str) -> str:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(f"SELECT ({query})::text").fetchone()
    assert row is not None
    return str(row[0])


def _variants(schema: ir.Schema, emitter: str) -> dict[str, dict[str, tuple[str, bool]]]:
    """Each variant's embedded keys with their select string and whether they are lists,
    as the emitter's model set describes them."""
    host = load_plugins()
    found = host.emitter(emitter)
    context = EmitContext(
        options=found.options_type(embedded_rows=True),  # type: ignore[call-arg]
        profile="json",
        schema_hash=ir.schema_hash(schema),
        tool_version=__version__,
        decide_name=lambda request: host.hook.schemasync_name(request=request),
        map_type=lambda request: host.hook.schemasync_map_type(request=request),
    )
    models = context.models(schema, target=emitter, reserved_names=found.reserved_names)
    return {
        cls.name: {
            f.db_name: (f.embedding.select, f.embedding.many)
            for f in cls.fields
            if f.embedding is not None
        }
        for cls in models.classes
        if cls.kind == "embedded"
    }


@pytest.mark.parametrize("emitter", EMITTERS)
def test_each_relationship_gets_postgrest_key_and_select_string(
    schema: ir.Schema, emitter: str
) -> None:
    expected = {
        name: {key: (select, key in MANY) for key, select in keys.items()}
        for name, keys in SELECTS.items()
    }
    # audit_log has no key either way: no variant.
    assert _variants(schema, emitter) == expected


def _get(value: object, key: str) -> Any:
    return value[key] if isinstance(value, dict) else getattr(value, key)


def _decode(emitter: str, cls: type, text: str) -> list[Any]:
    if emitter == "msgspec":
        return msgspec.json.decode(text, type=list[cls])  # type: ignore[valid-type]
    # TypedDicts validate through pydantic, as a user checks what a client returned.
    return pydantic.TypeAdapter(list[cls]).validate_json(text)  # type: ignore[valid-type]


def _not_given(emitter: str, row: object, key: str) -> bool:
    if emitter == "typeddict":
        assert isinstance(row, dict)
        return key not in row
    value = getattr(row, key)
    return value is (msgspec.UNSET if emitter == "msgspec" else pydantic.MISSING)


LAYOUTS = (("module", "json"), ("package", "python"), ("lazy-package", "json"))


@pytest.mark.parametrize(("layout", "profile"), LAYOUTS)
@pytest.mark.parametrize("emitter", EMITTERS)
def test_postgrest_nested_json_validates_through_the_variants(
    database: str, schema: ir.Schema, tmp_path: Path, *, emitter: str, layout: str, profile: str
) -> None:
    options = {"layout": layout, "profile": profile, "embedded_rows": True}
    files = generate(load_plugins(), schema, emitter, options, tmp_path / "project")
    if layout != "module":
        # The variants import the tables' modules, which never import them back.
        assert "_embedded.py" in files
        tables = [p for p in files if p not in ("_embedded.py", "__init__.py")]
        assert all(b"_embedded" not in files[p] for p in tables)
    package = write_package(tmp_path / "generated", files)
    models = import_path(package / ("models.py" if layout == "module" else "__init__.py"))
    decoded = {
        name: _decode(emitter, getattr(models, name), _json(database, query))
        for name, query in NESTED_JSON.items()
    }

    first, second, third = decoded["MessageWithRelations"]
    assert _get(_get(first, "channels"), "name") == "general"
    assert _get(_get(second, "author"), "handle") == "brian"
    assert _get(first, "editor") is None
    assert _get(_get(third, "editor"), "handle") == "brian"
    assert _get(first, "reply_to_messages") is None
    assert _get(_get(second, "reply_to_messages"), "body") == "hello"
    assert [_get(m, "id") for m in _get(first, "messages")] == [2, 3]
    assert _get(second, "messages") == []
    general, empty = decoded["ChannelWithRelations"]
    assert _get(_get(general, "channel_settings"), "muted") is True
    assert [_get(m, "id") for m in _get(general, "messages")] == [1, 2, 3]
    assert _get(empty, "channel_settings") is None
    assert _get(empty, "messages") == []
    ada, brian = decoded["UserWithRelations"]
    assert [_get(m, "id") for m in _get(ada, "messages_author")] == [1, 3]
    assert [_get(m, "id") for m in _get(ada, "messages_editor")] == [2]
    assert _get(_get(ada, "profiles"), "bio") == "writes programs"
    assert _get(brian, "profiles") is None
    (setting,) = decoded["ChannelSettingWithRelations"]
    assert _get(_get(setting, "channels"), "id") == 1
    assert [_get(f, "id") for f in _get(brian, "folders")] == [1]
    root, child, old = decoded["CategoryWithRelations"]
    assert _get(root, "parent") is None
    assert [_get(c, "id") for c in _get(root, "categories_parent")] == [2, 3]
    assert _get(_get(old, "parent"), "label") == "root"
    assert _get(_get(old, "merged_into_categories"), "label") == "child"
    assert [_get(c, "id") for c in _get(child, "categories_merged_into")] == [3]
    (folder,) = decoded["FolderWithRelations"]
    assert _get(folder, "users") == "shared with everyone"
    assert _get(_get(folder, "owner"), "handle") == "brian"
    (profile_row,) = decoded["ProfileWithRelations"]
    assert _get(_get(profile_row, "users"), "handle") == "ada"
    if emitter != "typeddict":
        # An embedded row is the related table's own Row class.
        assert type(_get(first, "channels")) is models.ChannelRow
        assert type(_get(first, "messages")[0]) is models.MessageRow

    # A select that embeds nothing validates too: the embedded keys are left out.
    for name, query in FLAT_JSON.items():
        for row in _decode(emitter, getattr(models, name), _json(database, query)):
            assert all(_not_given(emitter, row, key) for key in SELECTS[name])


def test_one_pydantic_row_validates_from_its_json(
    database: str, schema: ir.Schema, tmp_path: Path
) -> None:
    files = generate(
        load_plugins(), schema, "pydantic", {"embedded_rows": True}, tmp_path / "project"
    )
    models = import_path(write_package(tmp_path / "generated", files) / "__init__.py")
    text = json.loads(_json(database, NESTED_JSON["UserWithRelations"]))[0]
    user = models.UserWithRelations.model_validate_json(json.dumps(text))
    assert user.profiles.bio == "writes programs"
    # An embedded key holding something else than the related row is refused.
    text["profiles"] = [text["profiles"]]
    with pytest.raises(pydantic.ValidationError):
        models.UserWithRelations.model_validate_json(json.dumps(text))


def test_msgspec_refuses_embedded_rows_with_array_like_rows(
    schema: ir.Schema, tmp_path: Path
) -> None:
    from schemasync.errors import ConfigError

    with pytest.raises(ConfigError, match="array_like"):
        generate(
            load_plugins(),
            schema,
            "msgspec",
            {"embedded_rows": True, "array_like": True},
            tmp_path / "project",
        )


USAGE: Mapping[str, str] = {
    "pydantic": """
from .pydantic_models import ChannelRow, MessageRow, MessageWithRelations, UserWithRelations


def channel_name(text: str) -> str | None:
    message = MessageWithRelations.model_validate_json(text)
    channel = message.channels
    return channel.name if isinstance(channel, ChannelRow) else None


def reply_ids(message: MessageWithRelations) -> list[int]:
    replies = message.messages
    return [r.id for r in replies] if isinstance(replies, list) else []


def authored(user: UserWithRelations) -> list[MessageRow]:
    found = user.messages_author
    return found if isinstance(found, list) else []
""",
    "msgspec": """
import msgspec

from .msgspec_models import ChannelRow, MessageRow, MessageWithRelations, UserWithRelations


def channel_name(text: str) -> str | None:
    message = msgspec.json.decode(text, type=MessageWithRelations)
    channel = message.channels
    return channel.name if isinstance(channel, ChannelRow) else None


def reply_ids(message: MessageWithRelations) -> list[int]:
    replies = message.messages
    return [r.id for r in replies] if isinstance(replies, list) else []


def authored(user: UserWithRelations) -> list[MessageRow]:
    found = user.messages_author
    return found if isinstance(found, list) else []
""",
    "typeddict": """
from .typeddict_models import MessageRow, MessageWithRelations, UserWithRelations


def channel_name(message: MessageWithRelations) -> str | None:
    channel = message.get("channels")
    return channel["name"] if channel is not None else None


def reply_ids(message: MessageWithRelations) -> list[int]:
    return [r["id"] for r in message.get("messages", [])]


def authored(user: UserWithRelations) -> list[MessageRow]:
    return user.get("messages_author", [])


reply: MessageRow = {
    "id": 2, "channel_id": 1, "author_id": 1, "editor_id": None, "reply_to": 1,
    "body": "hi", "sent_at": "2024-01-01T10:01:00+00:00",
}
plain: MessageWithRelations = {
    "id": 1, "channel_id": 1, "author_id": 1, "editor_id": None, "reply_to": None,
    "body": "hello", "sent_at": "2024-01-01T10:00:00+00:00",
}
nested: MessageWithRelations = {
    "id": 1, "channel_id": 1, "author_id": 1, "editor_id": None, "reply_to": None,
    "body": "hello", "sent_at": "2024-01-01T10:00:00+00:00",
    "channels": {"id": 1, "name": "general"},
    "editor": None,
    "messages": [reply],
}
""",
}


@pytest.mark.typecheck
def test_code_using_the_variants_passes_mypy_strict_and_pyright(
    schema: ir.Schema, tmp_path: Path
) -> None:
    host = load_plugins()
    app = tmp_path / "app"
    for emitter in EMITTERS:
        # The lazy package where the emitter has one: its names are re-exported lazily.
        files = generate(
            host,
            schema,
            emitter,
            {"layout": "lazy-package", "profile": "json", "embedded_rows": True},
            tmp_path / f"{emitter}-project",
        )
        write_package(app / f"{emitter}_models", files)
        (app / f"use_{emitter}.py").write_text(USAGE[emitter], encoding="utf-8")
    (app / "__init__.py").touch()
    checked = mypy(["app"], cwd=tmp_path, python="3.10", cache=tmp_path / "mypy-cache",
                   plugins=["pydantic.mypy"])  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    config = {"typeCheckingMode": "strict", "pythonVersion": "3.10", "include": ["app"]}
    (tmp_path / "pyrightconfig.json").write_text(json.dumps(config), encoding="utf-8")
    result = run_python(
        "-m", "pyright", "--warnings", "--pythonpath", sys.executable, "--project", ".",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def _changes(text: str) -> set[tuple[str, str]]:
    return {(c["kind"], c["path"]) for c in json.loads(text)["changes"]}


def test_check_after_run_finds_nothing_and_then_the_dropped_column(
    pg_dsn: str, tmp_path: Path
) -> None:
    run_sql(pg_dsn, fixture_sql("embedded"))
    emitters = "\n".join(
        f'[tool.schemasync.emitters.{e}]\nembedded_rows = true\nlayout = "{layout}"\n'
        for e, layout in zip(EMITTERS, ("module", "lazy-package", "package"), strict=True)
    )
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0"\n\n[tool.schemasync]\n'
        f'emit = ["typeddict", "pydantic", "msgspec"]\n\n{emitters}'
    )
    done = run_cli("run", cwd=tmp_path, dsn=pg_dsn)
    assert done.code == 0, done.stderr
    assert any(path.endswith("_embedded.py") for path in done.wrote())

    for args in (("--against", "both"), ("--against", "code"), ("--offline",)):
        result = run_cli("check", *args, cwd=tmp_path, dsn=pg_dsn)
        assert result.code == 0, result.stdout + result.stderr

    run_sql(pg_dsn, "ALTER TABLE messages DROP COLUMN body")
    result = run_cli("check", "--against", "code", "--format", "json", cwd=tmp_path, dsn=pg_dsn)
    assert result.code == 1, result.stderr
    # The Row and its variant both lack nothing else: no class is taken for a table.
    assert _changes(result.stdout) == {("column.removed", "public.messages.body")}


def test_the_option_is_part_of_the_fingerprint(tmp_path: Path) -> None:
    host = load_plugins()

    def config(embedded: bool) -> Config:
        settings = Settings(emit=("pydantic",), emitters={"pydantic": {"embedded_rows": embedded}})
        return Config(settings=settings, path=tmp_path / "pyproject.toml")

    emitters = [host.emitter("pydantic")]
    assert fingerprint(host, config(True), emitters) != fingerprint(host, config(False), emitters)


@pytest.mark.parametrize("emitter", EMITTERS)
def test_off_by_default_and_off_writes_what_it_always_wrote(
    schema: ir.Schema, tmp_path: Path, emitter: str
) -> None:
    host = load_plugins()
    options = {"layout": "lazy-package"}
    default = generate(host, schema, emitter, options, tmp_path / "default")
    off = generate(host, schema, emitter, {**options, "embedded_rows": False}, tmp_path / "off")
    on = generate(host, schema, emitter, {**options, "embedded_rows": True}, tmp_path / "on")
    assert off == default
    assert not any(b"WithRelations" in content for content in default.values())
    # On, the variants are added in a module of their own, re-exported by the package; the
    # tables' modules are unchanged.
    assert set(on) - set(default) == {"_embedded.py"}
    assert {p for p in default if on[p] != default[p]} == {"__init__.py"}
