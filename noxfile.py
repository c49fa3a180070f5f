"""Sessions: the test suite per Python and install combination, lint, and the example.

``uvx nox -s tests`` runs the whole suite with everything installed on the oldest and the
newest supported Python found, the tests of generated code on the ones between, and each
emitter alone (and the core alone) once; with ``SCHEMASYNC_TEST_DSN`` set it uses that
server, else each run starts a throwaway one with the engine ``SCHEMASYNC_ENGINE`` names
(``system`` or ``embedded``, PostgreSQL 18; default: system when installed). Whatever the
server, the tests that compare releases or need PostgreSQL 18 start the embedded engine
themselves. With ``SCHEMASYNC_ALL_PYTHONS=1`` (CI) every supported Python must be present.

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
#: The Pythons that run the whole suite with everything installed: the oldest and the newest
#: present. What changes between Python releases (syntax, typing, the standard library) shows
#: at the ends of the range first.
FULL_PYTHONS = sorted({PYTHONS[0], PYTHONS[-1]})
#: Where the type checkers run over generated code: once, on the newest Python. Every check
#: names the Python it checks for (``python_version`` / ``pythonVersion``), so its verdict
#: does not depend on the interpreter running it (pytest marker ``typecheck``).
TYPECHECK_PYTHON = PYTHONS[-1]
#: Where each package runs alone (the core alone, each emitter beside the core alone), once:
#: a Python between the ends when there is one, so that it runs too. What these runs prove
#: (each package works without the others) does not depend on the Python version.
ALONE_PYTHON = next((v for v in ("3.12", "3.11") if v in PYTHONS[1:-1]), PYTHONS[0])
#: What the Pythons between the ends (other than ALONE_PYTHON) run with everything
#: installed: the tests of the code that depends most on the Python running it, the
#: generated modules imported and used, and the example end to end.
MIDDLE_TESTS = [
    "tests/typeddict",
    "tests/pydantic",
    "tests/msgspec",
    "tests/example",
    "tests/integration",
]
#: What a package alone runs beside its own tests: the plugin listing (it must show exactly
#: what the session installed) and, for the core alone, the commands with no emitter.
ALONE_CORE_TESTS = ["tests/core/test_plugins.py"]
CORE_ALONE_TESTS = [*ALONE_CORE_TESTS, "tests/core/cli"]
#: Pythons whose suite runs on the embedded engine (PostgreSQL 18) even when
#: SCHEMASYNC_TEST_DSN names a server: CI names the newest (a whole run on each release)
#: and one between the ends.
EMBEDDED_PYTHONS = [v for v in os.environ.get("SCHEMASYNC_EMBEDDED_PYTHONS", "").split(",") if v]


def _combinations() -> list[tuple[str, str]]:
    """(Python, install) of every run: everything on each Python but ALONE_PYTHON (unless
    it is an end), and each package alone on ALONE_PYTHON."""
    everything = [(v, "all") for v in PYTHONS if v != ALONE_PYTHON or v in FULL_PYTHONS]
    alone = [(ALONE_PYTHON, install) for install in INSTALLS if install != "all"]
    return everything + alone


def _folders(python: str, install: str) -> list[str]:
    """The test folders of one run (see the constants above)."""
    packages = INSTALLS[install]
    own = [f"tests/{path.rsplit('-', 1)[1]}" for path in packages[1:]]
    if install == "core":
        return CORE_ALONE_TESTS
    if install != "all":
        return ALONE_CORE_TESTS + own
    if python not in FULL_PYTHONS:
        return MIDDLE_TESTS
    return ["tests/core", *own, "tests/example", "tests/integration"]


def _install(session: nox.Session, packages: list[str], *groups: str) -> None:
    requirements = [
        req for group in groups for req in nox.project.dependency_groups(PYPROJECT, group)
    ]
    session.install(*(f"-e{path}" for path in packages), *requirements)


@nox.session
@nox.parametrize(("python", "install"), _combinations())
def tests(session: nox.Session, install: str) -> None:
    """Run the test suite with one install combination."""
    python = str(session.python)
    packages = INSTALLS[install]
    _install(session, packages, "test")
    # Tells the tests exactly which first-party distributions this session installed.
    installed = ",".join(path.rsplit("/", 1)[1] for path in packages)
    env = {"SCHEMASYNC_INSTALLED": installed}
    if python in EMBEDDED_PYTHONS:
        # An empty DSN means no server: the tests start the engine this names.
        env |= {"SCHEMASYNC_TEST_DSN": "", "SCHEMASYNC_ENGINE": "embedded"}
    selection = [] if python == TYPECHECK_PYTHON else ["-m", "not typecheck"]
    # One worker more than this machine's two cores: tests mostly wait on PostgreSQL and on
    # the processes they start. SCHEMASYNC_TEST_WORKERS=0 runs them in one process.
    workers = os.environ.get("SCHEMASYNC_TEST_WORKERS", "3")
    arguments = session.posargs or [*selection, *_folders(python, install)]
    session.run("pytest", "-n", workers, *arguments, env=env)


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


@nox.session(python=PYTHONS[-1])
def benchmarks(session: nox.Session) -> None:
    """The whole-process speed figures of docs/benchmarks.md: the 385-relation catalogue
    (every step, and supabase-pydantic beside it when ``SB_PYDANTIC`` names its
    executable), the migrations source unchanged, and the offline check; with bytecode
    caches allowed, as users have them. Needs a PostgreSQL (``SCHEMASYNC_TEST_DSN``, else
    the local server); not run by default, and on the newest Python. Extra arguments go
    to the catalogue script."""
    _install(session, INSTALLS["all"], "test")
    env = {"PYTHONDONTWRITEBYTECODE": ""}  # empty: Python writes its caches again
    peer = os.environ.get("SB_PYDANTIC")
    catalogue = ["benchmarks/catalogue.py", "--repeat", "3", *(["--peer", peer] if peer else [])]
    session.run("python", *catalogue, *session.posargs, env=env)
    session.run("python", "benchmarks/unchanged_migrations.py", "--repeat", "3", env=env)
    session.run("python", "benchmarks/check_offline.py", env=env)
