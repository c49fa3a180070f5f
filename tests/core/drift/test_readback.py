"""Reading models back from source: canonical annotations, enums and Literal aliases, and
files that cannot be read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from schemasync.drift.readback import (
    canonical_annotation,
    read_files,
    schemasync_read_models,
    union_members,
)
from schemasync.errors import ConfigError


@pytest.mark.parametrize(
    ("spellings", "canonical"),
    [
        (["int | None", "Optional[int]", "typing.Optional[int]", "Union[None, int]"], "int | None"),
        (["list[str]", "List[str]", "typing.List[str]", "Sequence[str]", "'list[str]'"],
         "list[str]"),
        (["datetime", "datetime.datetime", "dt.datetime"], "datetime"),
        (["Annotated[Decimal, Field(max_digits=5)]", "NotRequired[Decimal]"], "Decimal"),
        (["NotRequired[Optional[List[Optional[str]]]]"], "list[str | None] | None"),
        (["Literal['b', 'a']", "Literal['a', 'b']"], "Literal['a', 'b']"),
        (["dict[str, 'JsonValue'] | None", "Optional[Dict[str, JsonValue]]"],
         "dict[str, JsonValue] | None"),
    ],
)  # fmt: skip
def test_spellings_of_one_type_have_one_canonical_form(
    spellings: list[str], canonical: str
) -> None:
    assert {canonical_annotation(text) for text in spellings} == {canonical}


def test_union_members_respect_brackets() -> None:
    assert union_members("dict[str, int | None] | list[int] | None") == [
        "dict[str, int | None]",
        "list[int]",
        "None",
    ]


SOURCE = """
from enum import Enum, StrEnum
from typing import Literal, TypeAlias
import enum

class Status(str, Enum):
    TODO = "todo"
    IN_PROGRESS = "in progress"
    _ignore_ = "not a member"

class Color(StrEnum):
    RED = "red"

class Level(enum.Enum):
    LOW = 1

Currency: TypeAlias = Literal["EUR", "USD"]
Size = Literal["s", "m"]
NotAnEnum = Literal[1, 2]

class Plain:
    x = "y"
"""


def test_enums_and_literal_aliases_are_read_with_their_values(tmp_path: Path) -> None:
    models = schemasync_read_models(ast.parse(SOURCE), tmp_path / "m.py")
    found = {(m.kind, m.name): m.values for m in models}
    assert found == {
        ("enum", "Status"): ("todo", "in progress"),
        ("enum", "Color"): ("red",),
        # Not a string enum: read, with no string values, so it places nothing by accident.
        ("enum", "Level"): (),
        ("literal", "Currency"): ("EUR", "USD"),
        ("literal", "Size"): ("s", "m"),
    }
    status = next(m for m in models if m.name == "Status")
    assert status.line == 6
    assert status.path.endswith("m.py")


def test_a_file_that_is_not_python_is_a_config_error_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "models.py"
    bad.write_text("class Broken(\n    x: int\n")
    with pytest.raises(ConfigError, match=r"models\.py:\d+ is not valid Python"):
        read_files([bad], lambda tree, path: [schemasync_read_models(tree, path)])


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the model file"):
        read_files([tmp_path / "gone.py"], lambda tree, path: [])
