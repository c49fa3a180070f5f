"""Helpers of the docs emitter tests: the golden cases, generating a documentation folder
through ``schemasync.codegen.generate.plan``, reading it back with a real CommonMark parser, and
the real Mermaid parser running under Node.js.
"""

from __future__ import annotations

import datetime
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import cast

from markdown_it import MarkdownIt

from node_tools import run_json
from pg import fixture_sql
from schemasync import ir
from schemasync.codegen.generate import choose_emitters, plan
from schemasync.config import Config, Settings
from schemasync.pipeline import SourceChoice, read_schema
from schemasync.plugins import PluginHost

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
ROOT = HERE.parents[1]
#: When the lock says the schema changed, so a run is reproducible.
NOW = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
OUTPUT = "docs"

Files = dict[str, bytes]


@dataclass(frozen=True)
class Case:
    """One golden case: a SQL script documented with one set of options."""

    name: str
    sql: str = field(repr=False)
    options: Mapping[str, object] = field(default_factory=dict[str, object], hash=False)


#: The shared fixtures, and names and texts that try to break every output format.
CASES = (
    Case("everything", fixture_sql("everything")),
    Case("types", fixture_sql("types")),
    Case("functions", fixture_sql("functions")),
    Case("hostile", (HERE / "hostile.sql").read_text(encoding="utf-8")),
    # Past diagram_max_tables, the overview splits its diagram by schema and in parts.
    Case("everything-split", fixture_sql("everything"), {"diagram_max_tables": 2}),
)


def load_schema(host: PluginHost, dsn: str) -> ir.Schema:
    """The normalised schema of the database at ``dsn``, read as ``schemasync run`` reads it."""
    return read_schema(host, Config(), SourceChoice(target=dsn))


def generate(
    host: PluginHost, schema: ir.Schema, options: Mapping[str, object], root: Path
) -> Files:
    """What ``schemasync run --emit docs`` would write in its output folder, by path (the
    lock and schema_version.py left out). Writes nothing."""
    config = Config(
        settings=Settings(emit=("docs",), emitters={"docs": {"output": OUTPUT, **options}}),
        path=root / "pyproject.toml",
    )
    files, _, _ = plan(host, config, schema, choose_emitters(host, config, []), now=NOW)
    output = root / OUTPUT
    return {
        f.path.relative_to(output).as_posix(): f.content
        for f in files
        if f.path.is_relative_to(output)
    }


# --- reading pages back ----------------------------------------------------------------------

#: CommonMark with GitHub's tables and raw HTML passed through, as GitHub reads a page: a
#: name or comment that escaped its escaping would show up as HTML in the output.
MARKDOWN = MarkdownIt("commonmark").enable("table")
_ANCHOR = re.compile(r'<a id="([^"]+)">')


@dataclass
class Page:
    """What a page holds, as a CommonMark parser reads it."""

    links: list[str] = field(default_factory=list[str])
    anchors: list[str] = field(default_factory=list[str])
    #: ``(info string, content)`` of every fenced code block.
    fences: list[tuple[str, str]] = field(default_factory=list[tuple[str, str]])
    html: str = ""


def read_page(content: bytes) -> Page:
    """Parse a generated page."""
    source = content.decode()
    page = Page(html=MARKDOWN.render(source))
    for token in MARKDOWN.parse(source):
        if token.type == "fence":
            page.fences.append((token.info.strip(), token.content))
        for child in token.children or ():
            if child.type == "link_open":
                page.links.append(str(child.attrs["href"]))
            elif child.type == "html_inline":
                page.anchors += _ANCHOR.findall(child.content)
    return page


def resolve(source: str, href: str) -> tuple[str, str]:
    """The page path (relative to the folder) and anchor a link of ``source`` points at."""
    path, _, anchor = href.partition("#")
    target = posixpath.normpath(posixpath.join(posixpath.dirname(source), path)) if path else source
    return target, anchor


class _Cells(HTMLParser):
    """The text of every table cell of an HTML page, row by row; ``<br>`` reads as a newline."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str) -> list[list[str]]:
    """The text of the cells of every table row of ``html``."""
    parser = _Cells()
    parser.feed(html)
    return parser.rows


# --- the Mermaid parser ------------------------------------------------------------------------

MERMAID_SOURCE = HERE / "mermaid"


def mermaid_errors(diagrams: Sequence[str]) -> list[str | None]:
    """What ``mermaid.parse()`` says of each diagram: ``None`` when it parses, else its error."""
    answer = run_json(MERMAID_SOURCE, "parse.mjs", "check Mermaid diagrams", list(diagrams))
    errors = cast("list[str | None]", answer)
    assert len(errors) == len(diagrams)
    return errors
