"""Generated code and documentation, exactly as ``schemasync run`` writes them.

Files come from the core's :func:`~schemasync.codegen.generate.plan` for one target (the
same rendering ``run`` does, naming and type hooks included), once per target and schema;
one relation's models are the top-level definitions of its classes, cut from those files
line for line.
"""

from __future__ import annotations

import ast
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from schemasync.api import Emitter
from schemasync.codegen.generate import emit_context, emitter_options, plan, relative_key
from schemasync.codegen.model import ClassModel
from schemasync.errors import PluginError
from schemasync_mcp.present import quoted
from schemasync_mcp.project import Index, Project
from schemasync_mcp.tools import ToolFailure, find_relation

__all__ = ["MODEL_TARGETS", "docs_pages", "get_model"]

#: The first-party code targets, in the order one is picked when none is asked for.
MODEL_TARGETS = ("typeddict", "pydantic", "msgspec")
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class _Rendered:
    """One target's files for one schema, and where each class's definition is."""

    files: dict[Path, bytes]
    #: The classes of each relation, by ``(schema, name)``.
    classes: dict[tuple[str, str], list[ClassModel]]
    #: Each top-level definition's source, and the file it is in, by class name.
    definitions: dict[str, tuple[Path, str]]


def _rendered(project: Project, index: Index, emitter: Emitter) -> _Rendered:
    key = f"rendered:{emitter.name}"
    cached = index.cache.get(key)
    if isinstance(cached, _Rendered):
        return cached
    # The time only reaches the lock and schema_version.py, which are not served.
    planned, _, _ = plan(project.host, project.config, index.schema, [emitter], now=_EPOCH)
    files = {file.path: file.content for file in planned}
    options = emitter_options(emitter, project.config)
    context = emit_context(project.host, project.config, options, index.schema_hash)
    models = context.models(
        index.schema,
        target=emitter.name,
        reserved_names=emitter.reserved_names,
        reserved_fields=emitter.reserved_fields,
        fields_of=lambda _: False,
    )
    classes: dict[tuple[str, str], list[ClassModel]] = {}
    for module in models.modules:
        for cls in module.classes:
            classes.setdefault((cls.schema, cls.db_name), []).append(cls)
    wanted = {cls.name for found in classes.values() for cls in found}
    definitions: dict[str, tuple[Path, str]] = {}
    for path, content in files.items():
        if path.suffix == ".py" and path.name != "__init__.py":
            source = content.decode()
            lines = source.splitlines(keepends=True)
            for name, node in _defined(ast.parse(source), wanted):
                decorators = getattr(node, "decorator_list", [])
                start = min([node.lineno, *(d.lineno for d in decorators)])
                definitions[name] = (path, "".join(lines[start - 1 : node.end_lineno]))
    rendered = _Rendered(files, classes, definitions)
    index.cache[key] = rendered
    return rendered


def _target(project: Project, target: str | None) -> Emitter:
    installed = project.host.emitters()
    if target is None:
        configured = [name for name in project.config.settings.emit if name in MODEL_TARGETS]
        choices = configured + [name for name in MODEL_TARGETS if name in installed]
        if not choices:
            raise ToolFailure(
                "no model target is installed: install schemasync-typeddict, "
                "schemasync-pydantic or schemasync-msgspec"
            )
        target = choices[0]
    try:
        return project.host.emitter(target)
    except PluginError as exc:
        raise ToolFailure(f"{exc.message}; {exc.hint}" if exc.hint else exc.message) from exc


def _defined(tree: ast.Module, names: set[str]) -> list[tuple[str, ast.stmt]]:
    """Top-level classes and assignments (functional TypedDicts) named in ``names``."""
    found: list[tuple[str, ast.stmt]] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name in names:
            found.append((node.name, node))
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found.extend((t.id, node) for t in targets if isinstance(t, ast.Name) and t.id in names)
    return found


def _dotted(path: Path, root: Path) -> str:
    return ".".join(Path(relative_key(path, root)).with_suffix("").parts)


def get_model(
    project: Project, index: Index, *, name: str, schema: str | None, target: str | None
) -> dict[str, object]:
    """The classes one relation gets from one target, cut from the file ``run`` writes."""
    relation = find_relation(index, name, schema)
    emitter = _target(project, target)
    rendered = _rendered(project, index, emitter)
    if not any(path.suffix == ".py" for path in rendered.files):
        raise ToolFailure(f"{emitter.name!r} writes no Python models: pick a model target")
    classes = rendered.classes.get((relation.schema, relation.name), [])
    found = [rendered.definitions[c.name] for c in classes if c.name in rendered.definitions]
    if not found:
        raise ToolFailure(
            f"the {emitter.name!r} target generates no class for {quoted(relation.qualified_name)}"
        )
    path = found[0][0]
    root = project.config.root
    package = path.parent / "__init__.py"
    module = _dotted(package.parent if package in rendered.files else path, root)
    return {
        "target": emitter.name,
        "schema": relation.schema,
        "relation": relation.name,
        "classes": [{"name": cls.name, "kind": cls.kind} for cls in classes],
        "file": relative_key(path, root),
        "import": f"from {module} import {', '.join(cls.name for cls in classes)}",
        "code": "\n\n".join(code.rstrip("\n") + "\n" for _, code in found),
    }


def docs_pages(project: Project, index: Index) -> dict[str, str] | str:
    """The documentation pages by path, as the docs emitter writes them; when it is not
    installed, a sentence saying so."""
    emitters = project.host.emitters()
    docs = emitters.get("docs")
    if docs is None:
        return "the docs emitter is not installed: pip install schemasync-docs to serve the pages"
    cached = index.cache.get("docs")
    if cached is None:
        options = emitter_options(docs, project.config)
        context = emit_context(
            project.host,
            project.config,
            options,
            index.schema_hash,
            schema_version=index.schema_version,
        )
        cached = {page.path: page.content.decode() for page in docs.emit(index.schema, context)}
        index.cache["docs"] = cached
    return cached  # type: ignore[return-value]
