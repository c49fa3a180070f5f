"""Reading hand-written msgspec Structs back, with ``ast`` only (the code is never run)."""

from __future__ import annotations

import ast
from pathlib import Path

from schemasync.api import LocalField
from schemasync.plugins import load_plugins
from schemasync_msgspec import schemasync_read_models

SOURCE = '''
import enum
from typing import Annotated, ClassVar, Literal, Optional, Union

import msgspec
from msgspec import UNSET, Meta, Struct as S, UnsetType, field

Plan = Literal["free", "team"]


class Colour(enum.Enum):
    RED = "red"


class Base(S, kw_only=True, rename="camel"):
    created_at: str
    updated_at: str | None = None


class Account(Base, kw_only=True):
    """Inherits its base's fields and its rename="camel"."""

    kind: ClassVar[str] = "account"
    _secret: str = "x"
    id: int
    display_name: Annotated[str, Meta(max_length=80)] = field(name="Name")
    plan: Plan | UnsetType = UNSET
    tags: list[Annotated[str, Meta(min_length=1)] | None] = field(default_factory=list)
    owner: Union[int, None, UnsetType] = field(default=UNSET, name="owner id")
    note: Optional[str]
    updated_at: str


class Exact(msgspec.Struct, rename={"zip_code": "zip code"}):
    zip_code: "Annotated[str, Meta(max_length=10)] | msgspec.UnsetType" = msgspec.UNSET
    city: str


class NotAStruct:
    x: int
'''


def _read() -> dict[str, list[LocalField]]:
    models = schemasync_read_models(tree=ast.parse(SOURCE), path=Path("app/models.py"))
    assert all(m.kind == "model" and m.flavour == "msgspec" for m in models)
    assert all(m.path == "app/models.py" for m in models)
    return {m.name: list(m.fields) for m in models}


def test_structs_subclasses_and_wire_names_are_read() -> None:
    found = _read()
    # Enum classes, Literal aliases and plain classes are not reported.
    assert list(found) == ["Base", "Account", "Exact"]
    assert found["Base"] == [
        LocalField("created_at", "createdAt", "str", True),
        LocalField("updated_at", "updatedAt", "str | None", False),
    ]
    assert found["Account"] == [
        LocalField("created_at", "createdAt", "str", True),
        # A subclass redeclaring a field replaces it where it was, required now.
        LocalField("updated_at", "updatedAt", "str", True),
        LocalField("id", None, "int", True),
        # field(name=...) wins over the class's rename.
        LocalField("display_name", "Name", "str", True),
        LocalField("plan", None, "Plan", False),
        LocalField("tags", None, "list[str | None]", False),
        LocalField("owner", "owner id", "int | None", False),
        LocalField("note", None, "Optional[str]", True),
    ]
    # A string annotation is read as the expression it holds; rename= as a mapping.
    assert found["Exact"] == [
        LocalField("zip_code", "zip code", "str", False),
        LocalField("city", None, "str", True),
    ]


def test_lines_are_those_of_the_class_statements() -> None:
    models = schemasync_read_models(tree=ast.parse(SOURCE), path=Path("m.py"))
    lines = SOURCE.splitlines()
    for model in models:
        assert lines[model.line - 1].startswith(f"class {model.name}(")


def test_the_plugin_host_calls_the_hook() -> None:
    host = load_plugins()
    results = host.hook.schemasync_read_models(tree=ast.parse(SOURCE), path=Path("m.py"))
    names = [m.name for result in results for m in result if m.flavour == "msgspec"]
    assert names == ["Base", "Account", "Exact"]
