"""The server on the example project, from its lock alone: no database, no network.

The example is copied, ``schemasync run`` writes its lock and models once (applying the
migrations to a throwaway server), and then the server answers from the lock with no
database URL in its environment. Every answer is checked against the lock's IR and against
what the command line says.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import anyio
import msgspec
import pytest
from mcp_support import Client, session

from cli import run_cli
from migration_project import EXAMPLE, tables_emitter_path
from schemasync import ir
from schemasync.analyze import analyze, metrics_json
from schemasync.codegen.lock import Lock, read_lock
from schemasync.plugins import load_plugins

TOOLS = {
    "analyze",
    "check_drift",
    "describe_function",
    "describe_relation",
    "get_model",
    "list_enums",
    "list_functions",
    "list_relations",
    "search_schema",
}
MODEL_TARGETS = ("typeddict", "pydantic", "msgspec")


@dataclass(frozen=True)
class Example:
    """The example project after one ``schemasync run``."""

    root: Path
    lock: Lock
    env: dict[str, str]
    #: The first-party targets run wrote (those installed here).
    targets: tuple[str, ...]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Example:
    root = tmp_path_factory.mktemp("mcp") / "supabase-app"
    shutil.copytree(EXAMPLE, root)
    installed = load_plugins().emitters()
    known = ("typeddict", "pydantic", "msgspec", "docs")
    targets = tuple(name for name in known if name in installed)
    env: dict[str, str] = {}
    if targets:
        emit = ",".join(targets)
    else:
        # The core and this package alone: a plugin emitter writes a file so run has a target.
        env["PYTHONPATH"] = tables_emitter_path(root.parent / "site")
        emit = "tables"
    # The config names every target; check and the server read it, so it names those run.
    config = root / "pyproject.toml"
    text = config.read_text(encoding="utf-8")
    configured = 'emit = ["typeddict", "pydantic", "msgspec", "docs"]'
    assert configured in text
    used = ", ".join(f'"{name}"' for name in emit.split(","))
    config.write_text(text.replace(configured, f"emit = [{used}]"), encoding="utf-8")
    done = run_cli("run", cwd=root, env=env, timeout=300)
    assert done.code == 0, done.stderr
    lock = read_lock(root / "schemasync.lock")
    assert lock is not None
    return Example(root, lock, env, targets)


def serve(example: Example, body: Callable[[Client], Awaitable[None]]) -> None:
    async def main() -> None:
        async with session(example.root, env=example.env) as client:
            await body(client)

    anyio.run(main)


def test_lists_its_tools_with_descriptions_and_typed_inputs(example: Example) -> None:
    async def body(client: Client) -> None:
        listed = (await client.raw.list_tools()).tools
        assert {tool.name for tool in listed} == TOOLS
        for tool in listed:
            assert len(tool.description or "") > 60, tool.name
            assert tool.input_schema["type"] == "object"
            for name, prop in tool.input_schema["properties"].items():
                assert prop.get("description"), (tool.name, name)
            assert tool.annotations is not None
            assert tool.annotations.read_only_hint is True
        # No tool takes SQL: these are every argument there is.
        arguments = {name for tool in listed for name in tool.input_schema["properties"]}
        assert arguments == {
            "against", "column_offset", "fail_on", "kinds", "limit", "name", "offset", "query",
            "schema", "source", "target",
        }  # fmt: skip
        describe = next(tool for tool in listed if tool.name == "describe_relation")
        assert describe.input_schema["required"] == ["name"]
        assert describe.input_schema["properties"]["source"]["enum"] == ["lock", "live"]

    serve(example, body)


def test_lists_resources(example: Example) -> None:
    async def body(client: Client) -> None:
        uris = {str(r.uri) for r in (await client.raw.list_resources()).resources}
        assert uris == {"schemasync://ir", "schemasync://docs/README.md"}
        templates = (await client.raw.list_resource_templates()).resource_templates
        assert [t.uri_template for t in templates] == ["schemasync://docs/{+path}"]
        assert ir.decode_schema(await client.read("schemasync://ir")) == example.lock.schema
        overview = await client.read("schemasync://docs/README.md")
        tasks = await client.read("schemasync://docs/public/tasks.md")
        if "docs" in example.targets:
            written = example.root / "schema-docs"
            assert overview == (written / "README.md").read_text(encoding="utf-8")
            assert tasks == (written / "public" / "tasks.md").read_text(encoding="utf-8")
        else:
            assert overview == tasks
            assert "the docs emitter is not installed: pip install schemasync-docs" in overview

    serve(example, body)


async def _pages(client: Client, tool: str, **arguments: object) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    offset: object = 0
    while offset is not None:
        page = await client.json(tool, offset=offset, limit=5, **arguments)
        assert page["offset"] == offset
        assert isinstance(page["items"], list)
        assert len(page["items"]) <= 5
        items.extend(page["items"])
        offset = page["next_offset"]
    assert len(items) == page["total"]
    return items


def test_relations_enums_and_functions_match_the_lock(example: Example) -> None:
    schema = example.lock.schema

    async def body(client: Client) -> None:
        relations = await _pages(client, "list_relations")
        assert [(r["schema"], r["name"], r["kind"]) for r in relations] == [
            (r.schema, r.name, r.kind) for r in schema.relations
        ]
        assert [r["columns"] for r in relations] == [len(r.columns) for r in schema.relations]
        views = await _pages(client, "list_relations", kinds=["view", "materialized_view"])
        assert [v["name"] for v in views] == [r.name for r in schema.views]
        billing = await _pages(client, "list_relations", schema="billing")
        assert {r["schema"] for r in billing} == {"billing"}
        revenue = next(r for r in relations if r["name"] == "monthly_revenue")
        assert revenue["comment"] == schema.relation("billing", "monthly_revenue").comment

        enums = await _pages(client, "list_enums")
        assert [(e["schema"], e["name"], e["labels"]) for e in enums] == [
            (e.schema, e.name, list(e.labels)) for e in schema.enums
        ]
        functions = await _pages(client, "list_functions")
        assert [(f["schema"], f["name"], f["arguments"], f["returns"]) for f in functions] == [
            (f.schema, f.name, f.identity_arguments, f.returns) for f in schema.functions
        ]
        for function in schema.functions:
            described = await client.json(
                "describe_function", name=function.name, schema=function.schema
            )
            assert described["overloads"] == [_builtins(function)]

    serve(example, body)


def _builtins(value: object) -> object:
    """``value`` as its JSON answer decodes: lists for tuples."""
    return json.loads(msgspec.json.encode(value))


def test_describe_relation_matches_the_lock(example: Example) -> None:
    schema = example.lock.schema

    async def body(client: Client) -> None:
        for rel in schema.relations:
            answer = await client.json("describe_relation", name=rel.name, schema=rel.schema)
            assert (answer["schema"], answer["name"], answer["kind"]) == (
                rel.schema,
                rel.name,
                rel.kind,
            )
            assert answer["source"] == "lock"
            assert answer["schema_hash"] == example.lock.hash
            columns = answer["columns"]
            assert isinstance(columns, list)
            assert [
                (c["name"], c["type"], c["nullable"], c["default"], c["identity"], c["generated"])
                for c in columns
            ] == [
                (c.name, c.type.sql, c.nullable, c.default, c.identity, c.generated)
                for c in rel.columns
            ]
            assert [c["comment"] for c in columns] == [c.comment for c in rel.columns]
            for key in ("foreign_keys", "indexes", "policies", "triggers", "check_constraints"):
                assert answer[key] == _builtins(getattr(rel, key)), key
            assert answer["rls_enabled"] == rel.rls_enabled
            incoming = [
                (other.schema, other.name, fk.name)
                for other in schema.relations
                for fk in other.foreign_keys
                if (fk.ref_schema, fk.ref_table) == (rel.schema, rel.name)
            ]
            referenced = answer["referenced_by"]
            assert isinstance(referenced, list)
            assert [(r["schema"], r["relation"], r["name"]) for r in referenced] == incoming
        # Qualified names work, and a name in two schemas would need one.
        tasks = await client.json("describe_relation", name="public.tasks")
        assert tasks["name"] == "tasks"
        missing = await client.call("describe_relation", name="taks")
        assert missing.error
        assert 'did you mean "public.tasks"' in missing.text

    serve(example, body)


def test_search_ranks_exact_names_first(example: Example) -> None:
    async def body(client: Client) -> None:
        found = await client.json("search_schema", query="tasks")
        items = found["items"]
        assert isinstance(items, list)
        assert (items[0]["kind"], items[0]["schema"], items[0]["name"]) == (
            "table",
            "public",
            "tasks",
        )
        scores = [item["score"] for item in items]
        assert scores == sorted(scores, reverse=True)
        by_comment = await client.json("search_schema", query="paid invoices per month")
        assert [(i["name"], i["matched"]) for i in by_comment["items"]] == [
            ("monthly_revenue", "comment")
        ]

    serve(example, body)


def test_get_model_is_what_run_wrote_and_imports(example: Example) -> None:
    targets = [t for t in example.targets if t in MODEL_TARGETS]

    async def body(client: Client) -> None:
        if not targets:
            # No model target installed: the answer says what to install.
            answer = await client.call("get_model", name="tasks")
            assert answer.error
            assert "no model target is installed: install schemasync-typeddict" in answer.text
            named = await client.call("get_model", name="tasks", target="pydantic")
            assert named.error
            assert "pip install schemasync-pydantic" in named.text
            return
        for target in targets:
            checks: list[str] = []
            for rel in example.lock.schema.relations:
                model = await client.json(
                    "get_model", name=rel.name, schema=rel.schema, target=target
                )
                written = (example.root / str(model["file"])).read_text(encoding="utf-8")
                code = str(model["code"])
                for part in code.split("\n\n\n"):
                    assert part.strip() in written, (target, rel.name)
                names = [c["name"] for c in model["classes"]]
                assert names, (target, rel.name)
                checks.append(f"{model['import']}\nprint({', '.join(names)})")
            # Each import line works from the project root and gives those classes.
            done = subprocess.run(
                [sys.executable, "-c", "\n".join(checks)],
                cwd=example.root,
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, done.stderr
            assert len(done.stdout.splitlines()) == len(checks)
        default = await client.json("get_model", name="tasks")
        assert default["target"] == targets[0]
        docs = await client.call("get_model", name="tasks", target="nonesuch")
        assert docs.error
        assert "no emitter named 'nonesuch' is installed" in docs.text

    serve(example, body)


def test_check_drift_and_analyze_say_what_the_cli_says(example: Example) -> None:
    cli = run_cli("check", "--offline", "--format", "json", cwd=example.root, env=example.env)
    assert cli.code == 0, cli.stderr
    lock = example.lock
    expected = json.loads(metrics_json(analyze(lock.schema, schema_version=lock.schema_version)))

    async def body(client: Client) -> None:
        assert await client.json("check_drift") == json.loads(cli.stdout)
        assert await client.json("analyze") == expected
        live = await client.call("analyze", source="live")
        assert live.error
        assert "no database URL" in live.text

    serve(example, body)


def test_a_model_edited_by_hand_is_reported_as_drift(example: Example, tmp_path: Path) -> None:
    project = tmp_path / "app"
    shutil.copytree(example.root, project)
    stale = (
        next(p for p in sorted(project.joinpath("models").rglob("*")) if p.is_file())
        if (project / "models").is_dir()
        else project / "tables.txt"
    )
    # A change of meaning: a formatter's or a comment's change is not drift.
    stale.write_text(stale.read_text(encoding="utf-8") + "\nEDITED = True\n", encoding="utf-8")
    relative = stale.relative_to(project).as_posix()

    async def main() -> None:
        async with session(project, env=example.env) as client:
            answer = await client.json("check_drift")
            assert answer["failed"] is True
            assert {"path": relative, "state": "changed"} in answer["stale"]

    anyio.run(main)
