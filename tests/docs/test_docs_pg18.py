"""PostgreSQL 18's catalog features in the docs emitter's pages, generated from a real
PostgreSQL 18 database and checked for drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from pg18_project import run_and_check

pytestmark = pytest.mark.postgres


def test_pg18_features_are_shown(pg18_dsn: str, tmp_path: Path) -> None:
    output = run_and_check(tmp_path / "project", pg18_dsn, "docs")
    pages = {p.relative_to(output).as_posix(): p.read_text() for p in output.rglob("*.md")}
    rooms = next(text for name, text in pages.items() if name.endswith("rooms.md"))
    bookings = next(text for name, text in pages.items() if name.endswith("bookings.md"))
    assert r"generated (virtual): <code>(price \* 1.2)</code>" in rooms
    assert r"generated (stored): <code>(price \* (2)::numeric)</code>" in rooms
    assert "(without overlaps)" in rooms
    assert "not enforced" in rooms
    assert "without overlaps" in bookings
    assert "period" in bookings
    assert "not enforced" in bookings
