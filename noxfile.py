"""Sessions: the test suite per Python and install combination, lint, and the example.

``uvx nox -s tests`` runs the suite with everything installed on every supported Python
found, and with each emitter alone (and the core alone) once; with ``SCHEMASYNC_TEST_DSN``
set it uses that server, else each run starts a throwaway one with the engine
``SCHEMASYNC_ENGINE`` names (``system`` or ``embedded``, PostgreSQL 18; default: system when
installed). Whatever the server, the tests that compare releases or need PostgreSQL 18
start the embedded engine themselves.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["lint", "tests"]

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
CORE = "packages/schemasync-core"
TYPEDDICT = "packages/schemasync-typeddict"
PYDANTIC = "packages/schemasync-pydantic"
MSGSPEC = "packages/schemasync-msgspec"
DOCS = "packages/schemasync-docs"
EMITTERS = [TYPEDDICT, PYDANTIC, MSGSPEC, DOCS]
EXAMPLE = Path("examples/supabase-app")
PYPROJECT = nox.project.load_toml("pyproject.toml")

#: Install combinations the suite runs under: the packages installed beside the test tools,
#: and the test folders that apply. Each emitter's tests live in tests/<emitter>/.
INSTALLS = {
    "all": [CORE, *EMITTERS],
    "core": [CORE],
    **{path.rsplit("-", 1)[1]: [CORE, path] for path in EMITTERS},
}
#: Where the combinations other than ``all`` run: what they prove (each package works
#: without the others) does not depend on the Python version, which ``all`` covers.
ALONE_PYTHON = "3.12"
#: What an emitter alone runs beside its own tests: the core's tests do not depend on which
#: emitters are installed (the core alone and ``all`` run them whole), except the plugin
#: listing, which must show exactly what the session installed.
ALONE_CORE_TESTS = ["tests/core/test_plugins.py"]


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
    # Tells the tests exactly which first-party distributions this session installed.
    installed = ",".join(path.rsplit("/", 1)[1] for path in packages)
    session.run("pytest", *(session.posargs or folders), env={"SCHEMASYNC_INSTALLED": installed})


@nox.session(python="3.12")
def lint(session: nox.Session) -> None:
    """ruff, mypy --strict and pyright over the code and the tests."""
    _install(session, INSTALLS["all"], "test", "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    session.run("pyright")


@nox.session(python="3.12")
def example(session: nox.Session) -> None:
    """The README's main command: models for examples/supabase-app from its migrations alone.

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
