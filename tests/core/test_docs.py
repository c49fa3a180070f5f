"""The plugin docs describe every hook with its exact signature."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from schemasync import hookspecs

PLUGIN_DOCS = (Path(__file__).parents[2] / "docs" / "plugins.md").read_text(encoding="utf-8")
HOOKS = [name for name in hookspecs.__all__ if name.startswith("schemasync_")]


def test_every_hook_is_exported() -> None:
    defined = {name for name in vars(hookspecs) if name.startswith("schemasync_")}
    assert set(HOOKS) == defined


@pytest.mark.parametrize("name", HOOKS)
def test_hook_is_documented_with_its_signature(name: str) -> None:
    signature = str(inspect.signature(getattr(hookspecs, name))).replace("'", "")
    assert f"#### `{name}{signature}`" in PLUGIN_DOCS


@pytest.mark.parametrize("name", HOOKS)
def test_hook_has_a_docstring_with_returns(name: str) -> None:
    doc = inspect.getdoc(getattr(hookspecs, name)) or ""
    assert ":returns:" in doc
    first_result = getattr(hookspecs, name).schemasync_spec["firstresult"]
    assert ("Stops at the first non-None result" in doc) == first_result
