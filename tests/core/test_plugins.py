"""The plugin host: discovery through entry points, failures, blocking, clashes, lookups.

The plugins are real distributions (tests/plugins/*), built and installed with uv; the CLI
runs in a subprocess that finds them through importlib.metadata as it would after a
``pip install``. In-process tests load the same installed distributions through
``load_plugins(discover=...)``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.metadata import EntryPoint, PackageNotFoundError, distribution, version
from typing import TYPE_CHECKING, Protocol

import pytest

import schemasync
from plugin_env import PluginEnv, PluginRecord
from schemasync.api import NameRequest, Normalizer
from schemasync.errors import PluginError
from schemasync.ir import Column, ForeignKey, Relation, Schema, TypeRef
from schemasync.plugins import BLOCK_ENV, ENTRY_POINT_GROUP, PluginHost, PluginInfo, load_plugins
from schemasync.sources.builtin import PostgresSource

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

EXAMPLE = "schemasync-example-normalizer"
BROKEN = "schemasync-broken-plugin"
TYPO = "schemasync-typo-plugin"
CLASH = "schemasync-clash-plugin"
HELLO = "schemasync-hello-command"
SHADOW = "schemasync-shadow-command"

CORE_VERSION = version("schemasync-core")

#: First-party distributions and the plugins each registers: (entry point, module, hooks).
FIRST_PARTY: dict[str, list[tuple[str, str, list[str]]]] = {
    "schemasync-core": [
        ("differ", "schemasync.drift.diff", ["schemasync_compare"]),
        ("filters", "schemasync.normalize.filters", ["schemasync_normalizers"]),
        ("naming", "schemasync.codegen.naming", ["schemasync_name"]),
        ("notify", "schemasync.publish.notify", ["schemasync_notify"]),
        ("postgres", "schemasync.sources.builtin", ["schemasync_sources"]),
        ("readers", "schemasync.drift.readback", ["schemasync_read_models"]),
        ("severity", "schemasync.drift.severity", ["schemasync_severity"]),
        ("types", "schemasync.codegen.types", ["schemasync_map_type"]),
    ],
    "schemasync-typeddict": [
        (
            "typeddict",
            "schemasync_typeddict",
            ["schemasync_emitters", "schemasync_read_models"],
        )
    ],
    "schemasync-pydantic": [
        (
            "pydantic",
            "schemasync_pydantic",
            ["schemasync_emitters", "schemasync_map_type", "schemasync_read_models"],
        )
    ],
    "schemasync-docs": [("docs", "schemasync_docs", ["schemasync_emitters"])],
    "schemasync-msgspec": [
        (
            "msgspec",
            "schemasync_msgspec",
            ["schemasync_emitters", "schemasync_map_type", "schemasync_read_models"],
        )
    ],
    "schemasync-mcp": [("mcp", "schemasync_mcp", ["schemasync_commands"])],
}
#: Set by the nox sessions: the first-party distributions that session installed.
INSTALLED_ENV = "SCHEMASYNC_INSTALLED"


def _installed_first_party() -> list[str]:
    declared = os.environ.get(INSTALLED_ENV)
    if declared:
        return [name.strip() for name in declared.split(",") if name.strip()]
    found = []
    for name in FIRST_PARTY:
        try:
            distribution(name)
        except PackageNotFoundError:
            continue
        found.append(name)
    return found


def _record(dist: str, name: str, module: str, hooks: list[str]) -> PluginRecord:
    return {
        "name": name,
        "distribution": dist,
        "version": version(dist),
        "module": module,
        "status": "loaded",
        "builtin": dist == "schemasync-core",
        "hooks": hooks,
        "error": None,
    }


#: What `schemasync plugins --json` reports for each first-party plugin installed here.
BUILTINS: dict[str, PluginRecord] = {
    name: _record(dist, name, module, hooks)
    for dist in _installed_first_party()
    for name, module, hooks in FIRST_PARTY[dist]
}


_CLASH = re.compile(r"two plugins register a source named 'postgres': '([^']+)' and '([^']+)'")


class LoadInstalled(Protocol):
    def __call__(self, *projects: str) -> PluginHost: ...


@pytest.fixture
def load_installed(
    plugin_env: PluginEnv, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LoadInstalled]:
    """Load the core's entry points plus those of installed plugin projects, in-process."""
    imported: set[str] = set()

    def load(*projects: str) -> PluginHost:
        found = _core_entry_points()
        for project in projects:
            monkeypatch.syspath_prepend(str(plugin_env.install(project)))
            entry_points = plugin_env.entry_points(project)
            imported.update(ep.module for ep in entry_points)
            found.extend(entry_points)
        return load_plugins(discover=lambda: found)

    yield load
    for module in imported:
        sys.modules.pop(module, None)


def _core_entry_points() -> list[EntryPoint]:
    return list(distribution("schemasync-core").entry_points.select(group=ENTRY_POINT_GROUP))


def _info(host: PluginHost, name: str) -> PluginInfo:
    (info,) = (p for p in host.plugins if p.name == name)
    return info


def _warnings(stderr: str) -> list[str]:
    lines = stderr.splitlines()
    assert all(line.startswith("warning: plugin ") for line in lines), stderr
    return lines


def _clashing_plugins(message: str) -> set[str]:
    match = _CLASH.fullmatch(message)
    assert match, message
    return {match[1], match[2]}


# --- what `schemasync plugins` reports --------------------------------------------------


def test_plain_install_lists_exactly_what_is_installed(plugin_env: PluginEnv) -> None:
    assert schemasync.__version__ == CORE_VERSION
    result = plugin_env.run_cli("plugins", "--json")
    assert (result.returncode, result.stderr) == (0, "")
    assert list(result.plugins().values()) == [BUILTINS[name] for name in sorted(BUILTINS)]


def test_plugin_that_fails_to_import_is_reported_and_skipped(plugin_env: PluginEnv) -> None:
    result = plugin_env.run_cli("plugins", "--json", plugins=[BROKEN])
    assert result.returncode == 0, result.stderr
    plugins = result.plugins()
    assert list(plugins) == sorted(["broken", *BUILTINS])
    broken = plugins["broken"]
    error = broken.pop("error")
    assert broken == {
        "name": "broken",
        "distribution": BROKEN,
        "version": "0.4.1",
        "module": "schemasync_broken_plugin",
        "status": "failed",
        "builtin": False,
        "hooks": [],
    }
    assert isinstance(error, str)
    assert "ModuleNotFoundError" in error
    assert "schemasync_missing_dependency" in error
    assert {name: plugins[name] for name in BUILTINS} == BUILTINS

    (warning,) = _warnings(result.stderr)
    assert warning.startswith(f"warning: plugin 'broken' from {BROKEN} 0.4.1 failed to load")
    assert "schemasync_missing_dependency" in warning
    assert "Traceback" not in result.stderr

    table = plugin_env.run_cli("plugins", plugins=[BROKEN])
    assert table.returncode == 0
    (row,) = (line for line in table.stdout.splitlines() if line.startswith("broken "))
    assert row.split()[:4] == ["broken", "failed", BROKEN, "0.4.1"]
    assert "schemasync_missing_dependency" in row


def test_misspelt_hook_fails_that_plugin_only(plugin_env: PluginEnv) -> None:
    result = plugin_env.run_cli("plugins", "--json", plugins=[TYPO])
    assert result.returncode == 0, result.stderr
    plugins = result.plugins()
    assert list(plugins) == sorted(["typo", *BUILTINS])
    typo = plugins["typo"]
    assert (typo["status"], typo["distribution"], typo["version"], typo["hooks"]) == (
        "failed",
        TYPO,
        "2.0.0",
        [],
    )
    assert isinstance(typo["error"], str)
    assert "unknown hook 'schemasync_sourcez'" in typo["error"]
    assert {name: plugins[name] for name in BUILTINS} == BUILTINS
    (warning,) = _warnings(result.stderr)
    assert warning.startswith(f"warning: plugin 'typo' from {TYPO} 2.0.0 failed to load")
    assert "schemasync_sourcez" in warning


@pytest.mark.parametrize("blocked", [BROKEN, "broken", "unrelated, BROKEN "])
def test_blocked_plugin_is_listed_but_never_imported(plugin_env: PluginEnv, blocked: str) -> None:
    result = plugin_env.run_cli("plugins", "--json", plugins=[BROKEN], env={BLOCK_ENV: blocked})
    # No warning: importing it would have failed, so it was not imported.
    assert (result.returncode, result.stderr) == (0, "")
    plugins = result.plugins()
    assert plugins["broken"] == {
        "name": "broken",
        "distribution": BROKEN,
        "version": "0.4.1",
        "module": "schemasync_broken_plugin",
        "status": "blocked",
        "builtin": False,
        "hooks": [],
        "error": None,
    }
    assert {name: plugins[name] for name in BUILTINS} == BUILTINS


def test_working_plugin_loads_beside_failing_ones(plugin_env: PluginEnv) -> None:
    result = plugin_env.run_cli("plugins", "--json", plugins=[BROKEN, EXAMPLE, TYPO])
    assert result.returncode == 0, result.stderr
    plugins = result.plugins()
    assert list(plugins) == sorted(["broken", "example-normalizer", "typo", *BUILTINS])
    assert plugins["example-normalizer"] == {
        "name": "example-normalizer",
        "distribution": EXAMPLE,
        "version": "1.2.3",
        "module": "schemasync_example_normalizer",
        "status": "loaded",
        "builtin": False,
        "hooks": ["schemasync_name", "schemasync_normalizers"],
        "error": None,
    }
    assert {name: p["status"] for name, p in plugins.items()} == {
        "broken": "failed",
        "example-normalizer": "loaded",
        "typo": "failed",
        **dict.fromkeys(BUILTINS, "loaded"),
    }
    warnings = _warnings(result.stderr)
    assert [w.split()[2] for w in warnings] == ["'broken'", "'typo'"]


# --- the loaded plugins at work ---------------------------------------------------------

_INT = TypeRef(schema="pg_catalog", name="int4", kind="base", sql="integer")


def _table(name: str, *references: str) -> Relation:
    return Relation(
        schema="public",
        name=name,
        kind="table",
        columns=(
            Column(name="id", type=_INT, nullable=False),
            *(Column(name=f"{ref}_id", type=_INT) for ref in references),
        ),
        foreign_keys=tuple(
            ForeignKey(
                name=f"{name}_{ref}_fkey",
                columns=(f"{ref}_id",),
                ref_schema="public",
                ref_table=ref,
                ref_columns=("id",),
            )
            for ref in references
        ),
    )


def _normalize(host: PluginHost, schema: Schema, options: Mapping[str, object]) -> Schema:
    for normalizer in host.normalizers():
        schema = normalizer.normalize(schema, options)
    return schema


def test_installed_normalizer_runs_in_the_pipeline(load_installed: LoadInstalled) -> None:
    host = load_installed(EXAMPLE)
    info = _info(host, "example-normalizer")
    assert (info.status, info.distribution, info.version, info.builtin, info.hooks) == (
        "loaded",
        EXAMPLE,
        "1.2.3",
        False,
        ("schemasync_name", "schemasync_normalizers"),
    )
    normalizers = host.normalizers()
    assert [n.name for n in normalizers] == ["exclude-tables", "drop-prefixed"]
    assert all(isinstance(n, Normalizer) for n in normalizers)

    schema = Schema(schemas=("public",), relations=(_table("tmp_x"), _table("keep", "tmp_x")))
    result = _normalize(host, schema, {})
    assert [r.name for r in result.relations] == ["keep"]
    # The foreign key to the dropped table goes with it.
    assert result.relation("public", "keep").foreign_keys == ()

    # The prefix is read from the options; the core's normalizer reads its own key.
    result = _normalize(host, schema, {"drop_prefix": "kee"})
    assert [r.name for r in result.relations] == ["tmp_x"]
    result = _normalize(host, schema, {"exclude_tables": ["public.keep"]})
    assert result.relations == ()


def test_installed_plugin_decision_hook_is_called(load_installed: LoadInstalled) -> None:
    host = load_installed(EXAMPLE)
    enum = NameRequest(kind="enum", schema="public", name="mood", target="typeddict")
    field = NameRequest(kind="field", schema="public", name="mood", target="typeddict", parent="t")
    # The plugin answers for enums; for anything else the core's default rules answer.
    assert host.hook.schemasync_name(request=enum) == "MOOD"
    assert host.hook.schemasync_name(request=field) == "mood"


def test_misspelt_hook_leaves_nothing_of_the_plugin_registered(
    load_installed: LoadInstalled,
) -> None:
    host = load_installed(TYPO)
    info = _info(host, "typo")
    assert (info.status, info.distribution, info.version, info.hooks) == (
        "failed",
        TYPO,
        "2.0.0",
        (),
    )
    assert info.error is not None
    assert "unknown hook 'schemasync_sourcez'" in info.error
    assert not host.manager.has_plugin("typo")
    # Its correctly spelt hook went with it.
    assert [n.name for n in host.normalizers()] == ["exclude-tables"]
    assert set(host.sources()) == {"postgres", "migrations"}


def test_source_name_clash_names_both_plugins(load_installed: LoadInstalled) -> None:
    host = load_installed(CLASH)
    assert _info(host, "pg-lookalike").status == "loaded"
    with pytest.raises(PluginError) as excinfo:
        host.sources()
    assert _clashing_plugins(excinfo.value.message) == {"pg-lookalike", "postgres"}
    assert excinfo.value.hint is not None
    assert BLOCK_ENV in excinfo.value.hint
    with pytest.raises(PluginError, match="two plugins register a source"):
        host.source("postgres")


def test_blocking_one_side_of_a_clash_resolves_it(
    load_installed: LoadInstalled, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BLOCK_ENV, CLASH)
    host = load_installed(CLASH)
    assert _info(host, "pg-lookalike").status == "blocked"
    assert isinstance(host.source("postgres"), PostgresSource)


def test_source_name_clash_through_the_cli(plugin_env: PluginEnv) -> None:
    result = plugin_env.run_cli("inspect", plugins=[CLASH])
    assert result.returncode == PluginError.exit_code, result.stderr
    assert result.stdout == ""
    error, hint = result.stderr.splitlines()
    assert _clashing_plugins(error.removeprefix("error: ")) == {"pg-lookalike", "postgres"}
    assert hint == f"  hint: uninstall one, or block it with {BLOCK_ENV}"


# --- commands plugins add ---------------------------------------------------------------


def test_plugin_command_runs_with_its_options_and_the_global_ones(plugin_env: PluginEnv) -> None:
    result = plugin_env.run_cli("--config", "x.toml", "hello", "--name", "ada", plugins=[HELLO])
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"hello ada; config=x.toml; plugins={len(BUILTINS) + 1}\n"
    # The command's own exit code is the process's.
    assert plugin_env.run_cli("hello", "--name", "three", plugins=[HELLO]).returncode == 3


def test_plugin_command_is_listed_in_help_and_plugins(plugin_env: PluginEnv) -> None:
    usage = plugin_env.run_cli("--help", plugins=[HELLO])
    assert usage.returncode == 0
    assert re.search(r"^\s+hello\s+say hello$", usage.stdout, re.MULTILINE), usage.stdout
    assert plugin_env.run_cli("plugins", "--json", plugins=[HELLO]).plugins()["hello"]["hooks"] == [
        "schemasync_commands"
    ]
    # Without the plugin the command does not exist: a usage error.
    missing = plugin_env.run_cli("hello")
    assert missing.returncode == 2
    assert "invalid choice: 'hello'" in missing.stderr


def test_plugin_command_errors_are_printed_like_the_cores(plugin_env: PluginEnv) -> None:
    result = plugin_env.run_cli("hello", "--refuse", plugins=[HELLO])
    assert result.returncode == 2
    assert result.stderr == "error: hello refused\n  hint: leave out --refuse\n"
    assert result.stdout == ""


def test_plugin_command_may_not_take_a_core_command_name(plugin_env: PluginEnv) -> None:
    result = plugin_env.run_cli("check", plugins=[SHADOW])
    assert result.returncode == PluginError.exit_code
    assert result.stdout == ""
    assert result.stderr == (
        "error: a plugin registers a command named 'check', which is a schemasync command\n"
        f"  hint: uninstall the plugin, or block it with {BLOCK_ENV}\n"
    )
    blocked = plugin_env.run_cli("plugins", plugins=[SHADOW], env={BLOCK_ENV: SHADOW})
    assert blocked.returncode == 0, blocked.stderr


def test_two_plugins_registering_one_command_name_is_an_error(
    load_installed: LoadInstalled,
) -> None:
    host = load_installed(HELLO)
    (hello,) = (p for p in host.plugins if p.name == "hello")
    plugin = host.manager.get_plugin("hello")
    host.register(_Again(plugin), "hello-again")
    with pytest.raises(PluginError, match="two plugins register a command named 'hello'"):
        host.commands()
    assert hello.status == "loaded"


class _Again:
    """Registers the same commands as another plugin, under another plugin name."""

    def __init__(self, plugin: object) -> None:
        self._plugin = plugin

    @schemasync.hookimpl
    def schemasync_commands(self) -> object:
        return self._plugin.schemasync_commands()  # type: ignore[attr-defined]


# --- lookups and failures in-process ----------------------------------------------------


def test_missing_first_party_emitter_says_what_to_install() -> None:
    host = load_plugins(discover=_core_entry_points)
    assert host.emitters() == {}
    with pytest.raises(PluginError, match=r"the 'pydantic' emitter is not installed") as excinfo:
        host.emitter("pydantic")
    assert excinfo.value.exit_code == 6
    assert excinfo.value.hint is not None
    # Commands that work before the packages are on an index: a clone, and the git URL.
    assert "pip install ./packages/schemasync-pydantic" in excinfo.value.hint
    assert (
        '"schemasync-pydantic @ git+https://github.com/OWNER/schemasync'
        '#subdirectory=packages/schemasync-pydantic"'
    ) in excinfo.value.hint
    assert excinfo.value.hint.endswith("(once released on PyPI: pip install schemasync-pydantic)")


def test_misspelt_emitter_suggests_the_nearest_name() -> None:
    host = load_plugins(discover=_core_entry_points)
    with pytest.raises(PluginError, match=r"^no emitter named 'pydantc' is installed") as excinfo:
        host.emitter("pydantc")
    assert excinfo.value.hint == "did you mean `pydantic`?"


def test_unknown_emitter_says_none_has_that_name() -> None:
    host = load_plugins(discover=_core_entry_points)
    with pytest.raises(PluginError, match=r"^no emitter named 'nosuch' is installed") as excinfo:
        host.emitter("nosuch")
    assert excinfo.value.hint is None


def test_entry_point_to_a_missing_module_is_reported_not_raised() -> None:
    ghost = EntryPoint(name="ghost", value="schemasync_no_such_plugin", group=ENTRY_POINT_GROUP)
    host = load_plugins(discover=lambda: [*_core_entry_points(), ghost])
    info = _info(host, "ghost")
    assert (info.status, info.distribution, info.version, info.hooks) == (
        "failed",
        "unknown",
        "unknown",
        (),
    )
    assert info.error is not None
    assert "No module named 'schemasync_no_such_plugin'" in info.error
    assert {p.name: p.status for p in host.plugins if p.builtin} == dict.fromkeys(
        (name for name, record in BUILTINS.items() if record["builtin"]), "loaded"
    )
    assert not host.manager.has_plugin("ghost")
    assert set(host.sources()) == {"postgres", "migrations"}


def test_failure_is_reported_on_one_line() -> None:
    # pluggy's message for a module registered twice spans two lines; the CLI prints the
    # error inside a one-line warning.
    again = EntryPoint(
        name="filters-again", value="schemasync.normalize.filters", group=ENTRY_POINT_GROUP
    )
    host = load_plugins(discover=lambda: [*_core_entry_points(), again])
    info = _info(host, "filters-again")
    assert info.status == "failed"
    assert info.error is not None
    assert "already registered under a different name" in info.error
    assert "\n" not in info.error
    assert [n.name for n in host.normalizers()] == ["exclude-tables"]


def test_loading_every_plugin_and_the_cli_imports_only_what_every_command_needs() -> None:
    """Plugin modules are imported by every command, ``run`` included: what only drift
    checks, publishing and the MCP server use waits for them (each costs tens of
    milliseconds of a run that aims at well under a second)."""
    script = (
        "import sys\n"
        "import schemasync.cli.main\n"
        "from schemasync.plugins import load_plugins\n"
        "host = load_plugins()\n"
        "host.sources(); host.emitters(); host.normalizers(); host.commands()\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    imported = set(result.stdout.split())

    assert "schemasync.plugins" in imported  # the script ran as meant
    for module in (
        "schemasync.drift.check",
        "schemasync.drift.codecheck",
        "schemasync.publish.http",
        "urllib.request",
        "schemasync_mcp.server",
        "tomlkit",
        "pglast",
    ):
        assert module not in imported
