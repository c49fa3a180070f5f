"""Reading hand-written Pydantic models back, with ``ast`` only (the code is never run)."""

from __future__ import annotations

import ast
from pathlib import Path

from schemasync.api import LocalField
from schemasync.plugins import load_plugins
from schemasync_pydantic import schemasync_read_models

SOURCE = '''
import enum
from typing import Annotated, ClassVar, Literal

import pydantic
from pydantic import BaseModel as Base, Field as F

Plan = Literal["free", "team"]


class Colour(enum.Enum):
    RED = "red"


class _Timestamps(Base):
    created_at: str
    updated_at: str | None = None


class Account(_Timestamps):
    """Subclasses a private model: its fields are inherited, it is not reported."""

    model_config = pydantic.ConfigDict(frozen=True)
    kind: ClassVar[str] = "account"
    _secret: str = "x"
    id: int
    name: Annotated[str, F(max_length=80)] = F(alias="Name")
    plan: Plan = "free"
    tags: list[Annotated[str, F(min_length=1)] | None] = F(default_factory=list)
    owner: int | None = F(None, validation_alias="owner id")
    code: str = F(..., alias="code")
    updated_at: str


class Admin(Account):
    level: int = 1


class NotAModel:
    x: int


class Other(pydantic.BaseModel):
    value: "Annotated[int, F(ge=0)]"
'''


def _read() -> dict[str, list[LocalField]]:
    models = schemasync_read_models(tree=ast.parse(SOURCE), path=Path("app/models.py"))
    assert all(m.kind == "model" and m.flavour == "pydantic" for m in models)
    assert all(m.path == "app/models.py" for m in models)
    return {m.name: list(m.fields) for m in models}


def test_models_subclasses_and_aliases_are_read() -> None:
    found = _read()
    # Enum classes, Literal aliases, plain classes and private models are not reported.
    assert list(found) == ["Account", "Admin", "Other"]
    assert found["Account"] == [
        LocalField("created_at", None, "str", True),
        # A subclass redeclaring a field replaces it where it was, required now.
        LocalField("updated_at", None, "str", True),
        LocalField("id", None, "int", True),
        LocalField("name", "Name", "str", True),
        LocalField("plan", None, "Plan", False),
        LocalField("tags", None, "list[str | None]", False),
        LocalField("owner", "owner id", "int | None", False),
        LocalField("code", None, "str", True),
    ]
    assert found["Admin"] == [*found["Account"], LocalField("level", None, "int", False)]
    # A string annotation is read as the expression it holds.
    assert found["Other"] == [LocalField("value", None, "int", True)]


def test_lines_are_those_of_the_class_statements() -> None:
    models = schemasync_read_models(tree=ast.parse(SOURCE), path=Path("m.py"))
    lines = SOURCE.splitlines()
    for model in models:
        assert lines[model.line - 1].startswith(f"class {model.name}(")


def test_the_plugin_host_calls_the_hook() -> None:
    host = load_plugins()
    results = host.hook.schemasync_read_models(tree=ast.parse(SOURCE), path=Path("m.py"))
    names = [m.name for result in results for m in result if m.flavour == "pydantic"]
    assert names == ["Account", "Admin", "Other"]
