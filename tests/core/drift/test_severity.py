"""A third-party severity rule, installed as its own distribution, changes what check decides;
the project's own severity settings still come first."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pg import run_sql
from plugin_env import PluginEnv
from schemasync.codegen.generate import run
from schemasync.config import load_config
from schemasync.pipeline import SourceChoice, read_schema
from schemasync.plugins import load_plugins

pytestmark = pytest.mark.postgres

DOWNGRADE = "schemasync-severity-downgrade"
SCHEMA_SQL = """
CREATE TABLE projects (id int PRIMARY KEY, note text);
CREATE TABLE legacy_orders (id int PRIMARY KEY, note text);
"""


def synced(root: Path, dsn: str, settings: str = "") -> Path:
    """A project whose lock records the database as it is now (no emitters needed)."""
    config_file = root / "pyproject.toml"
    config_file.write_text(
        f'[project]\nname = "app"\nversion = "0"\n\n[tool.schemasync]\n{settings}'
    )
    host = load_plugins()
    config = load_config(config_file)
    schema = read_schema(host, config, SourceChoice(target=dsn))
    run(host, config, schema, [], now=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc))
    return config_file


def check(
    env: PluginEnv, config: Path, dsn: str, *plugins: str
) -> tuple[int, set[tuple[str, str]]]:
    result = env.run_cli(
        "--config", str(config), "check", "--format", "json",
        plugins=plugins, env={"DATABASE_URL": dsn},
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    document = json.loads(result.stdout)
    return result.returncode, {(c["severity"], c["path"]) for c in document["changes"]}


def test_installing_the_plugin_downgrades_matching_tables_only(
    plugin_env: PluginEnv, pg_dsn: str, tmp_path: Path
) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    config = synced(tmp_path, pg_dsn)
    run_sql(pg_dsn, "ALTER TABLE legacy_orders DROP COLUMN note")

    assert check(plugin_env, config, pg_dsn) == (
        1, {("critical", "public.legacy_orders.note")}
    )  # fmt: skip
    assert check(plugin_env, config, pg_dsn, DOWNGRADE) == (
        0, {("low", "public.legacy_orders.note")}
    )  # fmt: skip

    run_sql(pg_dsn, "ALTER TABLE projects DROP COLUMN note")
    assert check(plugin_env, config, pg_dsn, DOWNGRADE) == (
        1, {("low", "public.legacy_orders.note"), ("critical", "public.projects.note")}
    )  # fmt: skip


def test_the_plugin_reads_its_own_settings_and_config_overrides_win(
    plugin_env: PluginEnv, pg_dsn: str, tmp_path: Path
) -> None:
    run_sql(pg_dsn, SCHEMA_SQL)
    config = synced(
        tmp_path,
        pg_dsn,
        '[tool.schemasync.plugins.severity-downgrade]\ntables = ["public.proj*"]\n',
    )
    run_sql(
        pg_dsn, "ALTER TABLE projects DROP COLUMN note; ALTER TABLE legacy_orders DROP COLUMN note"
    )
    assert check(plugin_env, config, pg_dsn, DOWNGRADE) == (
        1, {("low", "public.projects.note"), ("critical", "public.legacy_orders.note")}
    )  # fmt: skip
    with config.open("a") as handle:
        handle.write('[tool.schemasync.severity]\n"column.removed" = "medium"\n')
    assert check(plugin_env, config, pg_dsn, DOWNGRADE) == (
        0, {("medium", "public.projects.note"), ("medium", "public.legacy_orders.note")}
    )  # fmt: skip
