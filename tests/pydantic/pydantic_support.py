"""Helpers of the Pydantic emitter tests: the golden cases (the TypedDict emitter's fixtures)
and the classes the emitter generates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from schemasync import __version__, ir
from schemasync.api import EmitContext, Profile
from schemasync.codegen.model import ModelSet
from schemasync.plugins import PluginHost
from schemasync_pydantic.emit import RESERVED, RESERVED_FIELDS, PydanticOptions

GOLDEN = Path(__file__).parent / "golden"
EMITTER = "pydantic"


@dataclass(frozen=True)
class Case:
    """One golden case: a SQL fixture generated with one set of emitter options."""

    fixture: str
    variant: str
    options: Mapping[str, object] = field(hash=False)

    @property
    def name(self) -> str:
        """The golden folder's name."""
        return f"{self.fixture}-{self.variant}"

    @property
    def package(self) -> str:
        """A Python package name for the case's output."""
        return self.name.replace("-", "_")

    @property
    def python(self) -> str:
        """The oldest Python the generated code is for."""
        return str(self.options.get("target_python", "3.10"))


VARIANTS: Mapping[str, Mapping[str, object]] = {
    "python-module": {"profile": "python", "layout": "module"},
    "json-module": {"profile": "json", "layout": "module"},
    "python-package-strenum": {
        "profile": "python",
        "layout": "package",
        "enum_style": "strenum",
        "target_python": "3.11",
        "frozen": True,
        "extra": "forbid",
    },
    "json-literal": {
        "profile": "json",
        "layout": "module",
        "enum_style": "literal",
        "from_attributes": True,
    },
    "python-lazy-package": {"profile": "python", "layout": "lazy-package"},
}
FIXTURES = ("everything", "types")
CASES = tuple(Case(f, variant, options) for f in FIXTURES for variant, options in VARIANTS.items())
#: The ``embedded_rows`` option, on its own fixture, in the layouts that place the variants
#: differently: at the end of the module, and in a module of their own.
CASES += (
    Case("embedded", "json-module", {"profile": "json", "layout": "module", "embedded_rows": True}),
    Case(
        "embedded",
        "python-lazy-package",
        {"profile": "python", "layout": "lazy-package", "embedded_rows": True},
    ),
)


def model_set(
    host: PluginHost, schema: ir.Schema, profile: Profile, *, embedded_rows: bool = False
) -> ModelSet:
    """The classes the pydantic emitter generates, with their names."""
    context = EmitContext(
        options=PydanticOptions(profile=profile, embedded_rows=embedded_rows),
        profile=profile,
        schema_hash=ir.schema_hash(schema),
        tool_version=__version__,
        decide_name=lambda request: host.hook.schemasync_name(request=request),
        map_type=lambda request: host.hook.schemasync_map_type(request=request),
    )
    return context.models(
        schema, target=EMITTER, reserved_names=RESERVED, reserved_fields=RESERVED_FIELDS
    )
