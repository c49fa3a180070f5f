"""The Markdown documentation exporter: ``schemasync run --emit docs``.

Writes a folder of Markdown pages that reads well on GitHub: an overview (``README.md``)
with every schema's objects, the metrics of :mod:`schemasync.analyze` and Mermaid ER
diagrams; a page per table and view; pages for enums, domains, composite types and
functions. The
same schema gives the same bytes, and no name, comment or expression can break a page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Annotated, ClassVar

import msgspec

from schemasync import hookimpl, ir
from schemasync.analyze import analyze
from schemasync.api import EmitContext, Emitter, GeneratedFile, TargetOptions
from schemasync_docs.pages import (
    composites_page,
    domains_page,
    enums_page,
    functions_page,
    overview_page,
    relation_page,
)
from schemasync_docs.site import COMPOSITES, DOMAINS, ENUMS, FUNCTIONS, OVERVIEW, Site

__all__ = ["DocsEmitter", "DocsOptions", "schemasync_emitters"]

__version__ = "0.1.0"


class DocsOptions(TargetOptions, frozen=True, kw_only=True):
    """``[tool.schemasync.emitters.docs]``."""

    #: Past this many tables, the overview draws one ER diagram per schema, in parts of at
    #: most this many tables: GitHub refuses to draw a diagram past a size.
    diagram_max_tables: Annotated[int, msgspec.Meta(ge=1)] = 40

    def __post_init__(self) -> None:
        # Refused here, so the run stops before reading the database, as for a bad value.
        if self.templates is not None:
            raise ValueError("the docs emitter has no templates to override: remove `templates`")


class DocsEmitter(Emitter):
    """Generates the documentation folder; see the module docstring."""

    name = "docs"
    package = "schemasync-docs"
    #: Markdown, not a Python package: no import name to shadow.
    default_output = "models/docs"
    description = "Markdown documentation with metrics and Mermaid ER diagrams"
    options_type: ClassVar[type[TargetOptions]] = DocsOptions
    #: A page per table, each with a diagram of its neighbours.
    render_cost = 1.7

    def can_split(self, options: TargetOptions) -> bool:
        """Pages are independent of each other: any share of them renders on its own."""
        return True

    def emit(self, schema: ir.Schema, context: EmitContext) -> Iterator[GeneratedFile]:
        """Render every page of ``schema`` (see :class:`DocsOptions`), one at a time: a
        schema of thousands of tables has as many pages."""
        options = context.options
        assert isinstance(options, DocsOptions)
        schema = ir.canonicalize(schema)
        site = Site.build(schema)
        header = context.header("html") + "\n"

        def overview() -> str:
            metrics = analyze(schema, schema_version=context.schema_version)
            return overview_page(
                site,
                metrics,
                tool_version=context.tool_version,
                max_tables=options.diagram_max_tables,
            )

        pages: list[tuple[str, Callable[[], str]]] = [(OVERVIEW, overview)]
        if schema.enums:
            pages.append((ENUMS, partial(enums_page, site)))
        if schema.domains:
            pages.append((DOMAINS, partial(domains_page, site)))
        if schema.composite_types:
            pages.append((COMPOSITES, partial(composites_page, site)))
        if schema.functions:
            pages.append((FUNCTIONS, partial(functions_page, site)))
        pages += [
            (site.pages[(rel.schema, rel.name)], partial(relation_page, site, rel))
            for rel in schema.relations
        ]
        for position, (path, body) in enumerate(pages):
            if context.part.takes(position):
                yield GeneratedFile(path, (header + body()).encode())


@hookimpl
def schemasync_emitters() -> Iterable[Emitter]:
    """Register the ``docs`` emitter."""
    return [DocsEmitter()]
