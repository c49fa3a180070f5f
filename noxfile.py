"""Sessions: the test suite per Python and install combination, lint, and the example.

``uvx nox -s tests`` runs the suite with everything installed on every supported Python
found, and with each emitter alone (and the core alone) once; with ``SCHEMASYNC_TEST_DSN``
set it uses that server, else each run starts a throwaway one with the engine
``SCHEMASYNC_ENGINE`` names (``system`` or ``embedded``, PostgreSQL 18; default: system when
installed). Whatever the server, the tests that compare releases or need PostgreSQL 18
start the embedded engine themselves. With ``SCHEMASYNC_ALL_PYTHONS=1`` (CI) every supported
Python must be present.

A session that cannot run is an error, never a skip: a missing interpreter fails, and so
does a test run that collected nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nox
from nox.virtualenv import find_uv

nox.options.default_venv_backend = "uv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["lint", "tests"]
nox.options.error_on_missing_interpreters = True

#: The Python versions schemasync supports.
SUPPORTED_PYTHONS = ["3.10", "3.11", "3.12", "3.13"]


def _present(version: str) -> bool:
    """Whether an interpreter of ``version`` is on this machine (uv never downloads here)."""
    found, uv, _ = find_uv()
    if not found:
        return shutil.which(f"python{version}") is not None
    command = [uv, "python", "find", "--no-project", "--no-python-downloads", version]
    return subprocess.run(command, capture_output=True, check=False).returncode == 0


#: The Pythons the sessions run on: each supported one present, or, in CI
#: (``SCHEMASYNC_ALL_PYTHONS=1``) or when none is present, all of them, so that a missing
#: interpreter fails the run instead of being passed over.
PYTHONS = (
    SUPPORTED_PYTHONS
    if os.environ.get("SCHEMASYNC_ALL_PYTHONS") == "1"
    else [v for v in SUPPORTED_PYTHONS if _present(v)] or SUPPORTED_PYTHONS
)
CORE = "packages/schemasync-core"
TYPEDDICT = "packages/schemasync-typeddict"
PYDANTIC = "packages/schemasync-pydantic"
MSGSPEC = "packages/schemasync-msgspec"
DOCS = "packages/schemasync-docs"
EMITTERS = [TYPEDDICT, PYDANTIC, MSGSPEC, DOCS]
#: The MCP server (``schemasync mcp``); the ``mcp`` SDK supports every Python in PYTHONS.
MCP = "packages/schemasync-mcp"
EXAMPLE = Path("examples/supabase-app")
PYPROJECT = nox.project.load_toml("pyproject.toml")

#: Install combinations the suite runs under: the packages installed beside the test tools,
#: and the test folders that apply. Each package's tests live in tests/<name>/.
INSTALLS = {
    "all": [CORE, *EMITTERS, MCP],
    "core": [CORE],
    **{path.rsplit("-", 1)[1]: [CORE, path] for path in [*EMITTERS, MCP]},
}
#: Where the combinations other than ``all`` run: what they prove (each package works
#: without the others) does not depend on the Python version, which ``all`` covers.
ALONE_PYTHON = "3.12" if "3.12" in PYTHONS else PYTHONS[0]
#: What an emitter alone runs beside its own tests: the core's tests do not depend on which
#: emitters are installed (the core alone and ``all`` run them whole), except the plugin
#: listing, which must show exactly what the session installed.
ALONE_CORE_TESTS = ["tests/core/test_plugins.py"]
#: Pythons whose suite runs on the embedded engine (PostgreSQL 18) even when
#: SCHEMASYNC_TEST_DSN names a server: CI sets two, so each release is covered on two Pythons
#: while every Python runs the suite once.
EMBEDDED_PYTHONS = [v for v in os.environ.get("SCHEMASYNC_EMBEDDED_PYTHONS", "").split(",") if v]


def _install(session: nox.Session, packages: list[str], *groups: str) -> None:
    requirements = [
        req for group in groups for req in nox.project.dependency_groups(PYPROJECT, group)
    ]
    session.install(*(f"-e{path}" for path in packages), *requirements)


@nox.session(python=PYTHONS)
@nox.parametrize("install", list(INSTALLS))
def tests(session: nox.Session, install: str) -> None:
    """Run the test suite with one install combination."""
    if install != "all" and session.python != ALONE_PYTHON:
        session.skip(f"{install} alone runs on Python {ALONE_PYTHON}; this Python runs all")
    packages = INSTALLS[install]
    _install(session, packages, "test")
    emitters = [f"tests/{path.rsplit('-', 1)[1]}" for path in packages[1:]]
    folders = (["tests/core"] if install in ("all", "core") else ALONE_CORE_TESTS) + emitters
    if install == "all":
        # Tests of the whole: the example, and behaviour that needs every package.
        folders += ["tests/example", "tests/integration"]
    # Tells the tests exactly which first-party distributions this session installed.
    installed = ",".join(path.rsplit("/", 1)[1] for path in packages)
    # One worker more than this machine's two cores: tests mostly wait on PostgreSQL and on
    # the processes they start. SCHEMASYNC_TEST_WORKERS=0 runs them in one process.
    env = {"SCHEMASYNC_INSTALLED": installed}
    if session.python in EMBEDDED_PYTHONS:
        # An empty DSN means no server: the tests start the engine this names.
        env |= {"SCHEMASYNC_TEST_DSN": "", "SCHEMASYNC_ENGINE": "embedded"}
    workers = os.environ.get("SCHEMASYNC_TEST_WORKERS", "3")
    session.run("pytest", "-n", workers, *(session.posargs or folders), env=env)


@nox.session(python=ALONE_PYTHON)
def lint(session: nox.Session) -> None:
    """ruff, mypy --strict and pyright over the code and the tests."""
    _install(session, INSTALLS["all"], "test", "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    session.run("pyright")


@nox.session(python=PYTHONS[0])
def action(session: nox.Session) -> None:
    """The GitHub Action's install step, run as a runner runs it (builds real packages)."""
    _install(session, INSTALLS["core"], "test")
    session.run("pytest", "tests/action", *session.posargs)


@nox.session(python=PYTHONS[0])
def example(session: nox.Session) -> None:
    """The README's main command: models for examples/supabase-app from its migrations alone.

    It runs on the oldest supported Python present; when none is, it fails.

    The example is copied to build/supabase-app/ (its migrations afresh, the generated files
    kept), where schemasync checks the migrations, lists the tables and writes the models.
    """
    session.install(f"{CORE}[embedded]", *EMITTERS)
    build = Path("build/supabase-app").resolve()
    shutil.rmtree(build / "supabase", ignore_errors=True)
    shutil.copytree(EXAMPLE, build, dirs_exist_ok=True)
    session.chdir(build)
    session.run("schemasync", "lint-migrations")
    session.run("schemasync", "inspect", "--tables")
    session.run("schemasync", "run")
    # Drift: the migrations against the lock and the models just written (no drift), then
    # the offline check pre-commit runs.
    session.run("schemasync", "check")
    session.run("schemasync", "check", "--offline")
    session.log(f"models, schema_version.py and schemasync.lock are in {build}")


@nox.session(python=ALONE_PYTHON)
def readme(session: nox.Session) -> None:
    """The README's main command in a fresh clone, with one Python on PATH and with none.

    Slow (it creates environments and runs the example), so it runs once, not per Python.
    """
    # The core too: the tests' conftest imports it.
    session.install(f"-e{CORE}", "pytest", "uv")
    session.run("pytest", "-m", "slow", "tests/test_readme.py", *session.posargs)


@nox.session(python=PYTHONS[0])
def fuzz(session: nox.Session) -> None:
    """Many more random schemas with hostile names through every emitter than the suite
    runs (``SCHEMASYNC_FUZZ_EXAMPLES``, default 300); not run by default."""
    _install(session, INSTALLS["all"], "test")
    examples = session.env.get("SCHEMASYNC_FUZZ_EXAMPLES", "300")
    session.run(
        "pytest",
        "tests/core/codegen/test_random_schemas.py",
        *session.posargs,
        env={"SCHEMASYNC_FUZZ_EXAMPLES": examples},
    )
