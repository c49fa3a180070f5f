"""Generated code and documentation, exactly as ``schemasync run`` writes them.

Files come from the core's :func:`~schemasync.codegen.generate.plan` for one target (the
same rendering ``run`` does, naming and type hooks included), once per target and schema;
one relation's models are the top-level definitions of its classes, cut from those files
line for line.
"""

from __future__ import annotations

import ast
import datetime as dt
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


def _files(project: Project, index: Index, emitter: Emitter) -> dict[Path, bytes]:
    key = f"files:{emitter.name}"
    cached = index.cache.get(key)
    if cached is None:
        # The time only reaches the lock and schema_version.py, which are not served.
        planned, _, _ = plan(project.host, project.config, index.schema, [emitter], now=_EPOCH)
        cached = {file.path: file.content for file in planned}
        index.cache[key] = cached
    return cached  # type: ignore[return-value]


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


def _classes(
    project: Project, index: Index, emitter: Emitter, schema: str, name: str
) -> list[ClassModel]:
    options = emitter_options(emitter, project.config)
    context = emit_context(project.host, project.config, options, index.schema_hash)
    models = context.models(
        index.schema,
        target=emitter.name,
        reserved_names=emitter.reserved_names,
        reserved_fields=emitter.reserved_fields,
        fields_of=lambda rel: rel.schema == schema and rel.name == name,
    )
    return [
        cls
        for module in models.modules
        for cls in module.classes
        if cls.schema == schema and cls.db_name == name
    ]


def _defined(tree: ast.Module, names: set[str]) -> list[ast.stmt]:
    found: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name in names:
            found.append(node)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id in names for t in targets):
                found.append(node)
    return found


def _dotted(path: Path, root: Path) -> str:
    return ".".join(Path(relative_key(path, root)).with_suffix("").parts)


def get_model(
    project: Project, index: Index, *, name: str, schema: str | None, target: str | None
) -> dict[str, object]:
    """The classes one relation gets from one target, cut from the file ``run`` writes."""
    relation = find_relation(index, name, schema)
    emitter = _target(project, target)
    files = _files(project, index, emitter)
    classes = _classes(project, index, emitter, relation.schema, relation.name)
    names = {cls.name for cls in classes}
    root = project.config.root
    for path, content in files.items():
        if path.suffix != ".py" or path.name == "__init__.py":
            continue
        source = content.decode()
        nodes = _defined(ast.parse(source), names)
        if not nodes:
            continue
        lines = source.splitlines(keepends=True)
        parts: list[str] = []
        for node in nodes:
            start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            parts.append("".join(lines[start - 1 : node.end_lineno]))
        package = path.parent / "__init__.py"
        module = _dotted(package.parent if package in files else path, root)
        ordered = [cls.name for cls in classes]
        return {
            "target": emitter.name,
            "schema": relation.schema,
            "relation": relation.name,
            "classes": [{"name": cls.name, "kind": cls.kind} for cls in classes],
            "file": relative_key(path, root),
            "import": f"from {module} import {', '.join(ordered)}",
            "code": "\n\n".join(part.rstrip("\n") + "\n" for part in parts),
        }
    if not any(path.suffix == ".py" for path in files):
        raise ToolFailure(f"{emitter.name!r} writes no Python models: pick a model target")
    raise ToolFailure(
        f"the {emitter.name!r} target generates no class for {quoted(relation.qualified_name)}"
    )


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
