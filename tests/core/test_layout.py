"""The core's folders are the pipeline's stages, and imports only flow one way between them.

The rules are the ones each stage's ``__init__.py`` states; docs/architecture.md explains them.
Every import counts, including those inside functions and under ``TYPE_CHECKING``: a lazy
import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGES = Path(__file__).parents[2] / "packages"
CORE = PACKAGES / "schemasync-core" / "src" / "schemasync"

#: The stage folders of the core.
ROOMS = ("sources", "normalize", "codegen", "drift", "cli")
#: The top-level modules plugins exchange data through; normalizers see nothing else.
CONTRACTS = {"ir", "api", "hookspecs", "changes", "errors"}
#: What each part of the core must not import. ``top`` is the top-level modules.
FORBIDDEN: dict[str, set[str]] = {
    "top": set(ROOMS),
    "sources": {"normalize", "codegen", "drift", "cli"},
    "normalize": {"sources", "codegen", "drift", "cli"},
    "codegen": {"sources", "normalize", "drift", "cli"},
    "drift": {"sources", "normalize", "cli"},
    "cli": set(),
}
#: Top-level modules allowed one room each, and why.
EXCEPTIONS = {
    # The contract module lends emitters the code-generation helpers (lazily, on use).
    "api": {"codegen"},
    # ``python -m schemasync`` is the command line.
    "__main__": {"cli"},
}
#: At most this many top-level modules (``__init__`` and ``__main__`` included).
MAX_TOP_LEVEL = 12


def _part(module: str) -> str:
    """``sources`` for ``schemasync.sources.engine``, ``top`` for ``schemasync.config``."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 2 or (len(pieces) == 2 and pieces[1] in ROOMS) else "top"


def _imported(tree: ast.Module) -> list[tuple[int, str]]:
    """Every ``schemasync`` module ``tree`` imports, with its line."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("schemasync.")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "schemasync":
                # ``from schemasync import sources`` imports the room itself.
                found += [(node.lineno, f"schemasync.{a.name}") for a in node.names]
            elif node.module.startswith("schemasync."):
                found.append((node.lineno, node.module))
    return found


def violations(module: str, source: str) -> list[str]:
    """The imports of ``module`` (dotted name, its text ``source``) that break the rules."""
    name = module.rsplit(".", 1)[-1]
    ours = module == "schemasync" or module.startswith("schemasync.")
    inside = _part(module) if ours else None
    problems = []
    for line, target in _imported(ast.parse(source)):
        room = _part(target)
        if inside is None:
            # Another distribution (an emitter): only the rule that nothing imports the CLI.
            bad = room == "cli"
        else:
            allowed = EXCEPTIONS.get(name, set()) if inside == "top" else set()
            bad = room != inside and room in FORBIDDEN[inside] - allowed
            if inside == "normalize" and room == "top":
                bad = target.split(".")[1] not in CONTRACTS
        if bad:
            problems.append(f"{module}:{line} imports {target}")
    return problems


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGES.glob("*/src/*/**/*.py")):
        src = next(p for p in path.parents if p.name == "src")
        dotted = ".".join(path.relative_to(src).with_suffix("").parts)
        found.append((dotted.removesuffix(".__init__"), path))
    return found


def test_every_module_imports_in_the_allowed_directions() -> None:
    modules = _modules()
    assert any(name == "schemasync.cli.main" for name, _ in modules)
    problems = [
        problem
        for name, path in modules
        for problem in violations(name, path.read_text(encoding="utf-8"))
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("schemasync.sources.engine", "from schemasync.codegen import model", ["codegen"]),
        ("schemasync.codegen.model", "def f():\n    import schemasync.drift.diff", ["drift"]),
        ("schemasync.drift.check", "from schemasync.sources.engine import x", ["sources"]),
        ("schemasync.normalize.filters", "from schemasync.config import Config", ["config"]),
        ("schemasync.config", "from schemasync import cli", ["cli"]),
        ("schemasync_pydantic.emit", "from schemasync.cli.main import main", ["cli"]),
        ("schemasync.drift.check", "from schemasync.codegen.lock import read_lock", []),
        ("schemasync.api", "from schemasync.codegen.model import build_models", []),
        ("schemasync.cli.main", "from schemasync.drift.check import check", []),
        ("schemasync.normalize.filters", "from schemasync.api import Normalizer", []),
    ],
)
def test_the_rules_catch_a_forbidden_import(module: str, source: str, expected: list[str]) -> None:
    problems = violations(module, source)
    assert len(problems) == len(expected)
    for problem, room in zip(problems, expected, strict=True):
        assert f"schemasync.{room}" in problem


def test_the_top_level_stays_small_and_every_room_says_what_it_holds() -> None:
    top = sorted(p.name for p in CORE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL, top
    rooms = sorted(p.name for p in CORE.iterdir() if (p / "__init__.py").exists())
    assert rooms == sorted(ROOMS)
    for room in rooms:
        doc = ast.get_docstring(ast.parse((CORE / room / "__init__.py").read_text()))
        assert doc, f"{room}/__init__.py has no docstring"
        assert "import" in doc, f"{room}/__init__.py does not say what it may import"


def test_the_architecture_page_lists_every_module() -> None:
    page = (Path(__file__).parents[2] / "docs" / "architecture.md").read_text(encoding="utf-8")
    listed = {
        line.split("`")[1] for line in page.splitlines() if line.startswith("| `") and ".py" in line
    }
    on_disk = {
        str(path.relative_to(CORE))
        for path in CORE.rglob("*.py")
        if path.name not in {"__init__.py", "__main__.py"}
    }
    assert listed == on_disk
