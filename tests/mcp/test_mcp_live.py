"""The server on a live database: ``source="live"`` reads it read-only; the lock stays the
default. Answers are checked against the IR the core's own introspection gives."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import msgspec
import pytest
from mcp_support import session

from cli import run_cli
from pg import fixture_sql, run_sql
from schemasync import ir
from schemasync.analyze import analyze, metrics_json

pytestmark = pytest.mark.postgres


def _inspect(project: Path, dsn: str) -> ir.Schema:
    done = run_cli("inspect", cwd=project, dsn=dsn)
    assert done.code == 0, done.stderr
    return ir.decode_schema(done.stdout)


def _builtins(value: object) -> object:
    return json.loads(msgspec.json.encode(value))


def test_live_answers_match_introspection(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, fixture_sql("everything"))
    project = tmp_path / "app"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.schemasync]\n", encoding="utf-8")
    schema = _inspect(project, pg_dsn)
    assert schema.relations
    assert schema.enums
    assert schema.functions

    async def main() -> None:
        async with session(project, dsn=pg_dsn) as client:
            # No lock yet: the default source says what to do, the live one answers.
            from_lock = await client.call("list_relations")
            assert from_lock.error
            assert "no lock file at schemasync.lock" in from_lock.text
            assert "schemasync run" in from_lock.text

            listed = await client.json("list_relations", source="live", limit=500)
            assert [(r["schema"], r["name"], r["kind"]) for r in listed["items"]] == [
                (r.schema, r.name, r.kind) for r in schema.relations
            ]
            assert listed["source"] == "live"
            assert listed["schema_hash"] == ir.schema_hash(schema)
            assert listed["schema_version"] is None
            for rel in schema.relations:
                answer = await client.json(
                    "describe_relation", name=rel.name, schema=rel.schema, source="live"
                )
                columns = answer["columns"]
                assert isinstance(columns, list)
                assert [(c["name"], c["type"], c["nullable"], c["default"]) for c in columns] == [
                    (c.name, c.type.sql, c.nullable, c.default) for c in rel.columns
                ]
                for key in ("primary_key", "foreign_keys", "indexes", "policies", "triggers"):
                    assert answer[key] == _builtins(getattr(rel, key)), (rel.name, key)
                assert answer["view_definition"] == rel.view_definition
            enums = await client.json("list_enums", source="live", limit=500)
            assert [(e["name"], e["labels"]) for e in enums["items"]] == [
                (e.name, list(e.labels)) for e in schema.enums
            ]
            functions = await client.json("list_functions", source="live", limit=500)
            assert [(f["name"], f["arguments"]) for f in functions["items"]] == [
                (f.name, f.identity_arguments) for f in schema.functions
            ]
            first = schema.functions[0]
            described = await client.json(
                "describe_function", name=first.name, schema=first.schema, source="live"
            )
            overloads = [
                f for f in schema.functions if (f.schema, f.name) == (first.schema, first.name)
            ]
            assert described["overloads"] == _builtins(overloads)
            first_name = schema.relations[0].name
            found = await client.json("search_schema", query=first_name, source="live")
            assert found["items"][0]["name"] == first_name
            metrics = await client.json("analyze", source="live")
            assert metrics == json.loads(metrics_json(analyze(schema)))

    anyio.run(main)


def test_live_drift_is_what_check_says(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, "CREATE TABLE public.notes (id integer PRIMARY KEY, body text)")
    project = tmp_path / "app"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[tool.schemasync]\nagainst = "lock"\n', encoding="utf-8"
    )
    # The lock of the database as it is, written by run (with no target).
    from schemasync.codegen.generate import run
    from schemasync.config import load_config
    from schemasync.plugins import load_plugins

    run(load_plugins(), load_config(project / "pyproject.toml"), _inspect(project, pg_dsn), [])
    run_sql(pg_dsn, "ALTER TABLE public.notes ADD COLUMN title text NOT NULL DEFAULT ''")
    cli = run_cli("check", "--format", "json", cwd=project, dsn=pg_dsn)
    assert cli.code in (0, 1), cli.stderr

    async def main() -> None:
        async with session(project, dsn=pg_dsn) as client:
            live = await client.json("check_drift", source="live")
            assert live == json.loads(cli.stdout)
            assert [c["path"] for c in live["changes"]] == ["public.notes.title"]
            # From the lock alone nothing changed, and the lock still has no title column.
            offline = await client.json("check_drift")
            assert offline["changes"] == []
            notes = await client.json("describe_relation", name="notes")
            assert [c["name"] for c in notes["columns"]] == ["id", "body"]
            assert notes["schema_version"] == 1
            live_notes = await client.json("describe_relation", name="notes", source="live")
            assert [c["name"] for c in live_notes["columns"]] == ["id", "body", "title"]
            assert live_notes["schema_version"] is None

    anyio.run(main)
