"""The escaping and naming rules every page relies on, checked with a CommonMark parser."""

from __future__ import annotations

import pytest
from docs_support import MARKDOWN, table_rows

from schemasync_docs.markdown import code, fence, slug, text

HOSTILE = [
    "a | b",
    "`code` and ``more``",
    "<script>alert(1)</script>",
    "line one\nline two\r\nline three",
    "*not emphasis* _nor this_ ~~nor this~~",
    "[a link](http://example.org) ![an image](x.png)",
    "# not a heading",
    "- not a list",
    "1. not a list",
    "&amp; stays &amp;",
    "$x$ and \\ backslash",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_text_renders_exactly_what_it_holds_in_a_table_cell(value: str) -> None:
    html = MARKDOWN.render(f"| a | b |\n|---|---|\n| {text(value)} | {code(value)} |\n")
    cell, code_cell = table_rows(html)[1]
    expected = value.replace("\r\n", "\n")
    assert cell == expected
    assert code_cell == expected.replace("\n", " ")
    assert "<script" not in html
    assert "<a " not in html
    assert "<img" not in html


@pytest.mark.parametrize("value", HOSTILE)
def test_text_renders_exactly_what_it_holds_as_a_paragraph(value: str) -> None:
    html = MARKDOWN.render(text(value) + "\n")
    assert html.startswith("<p>")
    assert html.count("<p>") == 1


@pytest.mark.parametrize("body", ["SELECT 1", "SELECT '```'", "x ```` y `", "``````"])
def test_a_fence_is_longer_than_any_backtick_run_inside(body: str) -> None:
    tokens = [t for t in MARKDOWN.parse(fence(body) + "\n\nafter\n") if t.type == "fence"]
    assert len(tokens) == 1
    assert tokens[0].content == body + "\n"
    assert tokens[0].info == "sql"


def test_slugs_are_distinct_for_names_differing_only_by_case() -> None:
    names = ["users", "Users", "USERS", "us ers", "us-ers", "us.ers", "日本", "", "con", "a--b"]
    slugs = [slug(name) for name in names]
    assert len({s.lower() for s in slugs}) == len(names)
    assert slugs[0] == "users"
    assert all(s and "--" not in s for s in slugs)
    assert all(set(s) <= set("abcdefghijklmnopqrstuvwxyz0123456789_-") for s in slugs)
    assert slug("Users") == slug("Users")  # the same name, the same slug, on every run
