"""The naming layer: the default rules, the ``schemasync_name`` hook, and the resolver.

What every emitter relies on: a name is always a valid identifier, never a keyword; class
names never shadow a builtin or a name the module imports; names are unique where Python
needs them to be (classes in a run, fields in a class, members in an enum); clashes resolve
the same way whatever order objects arrive in; configured overrides beat every plugin.
"""

from __future__ import annotations

import enum
import functools
import itertools
import keyword
import unicodedata
from collections.abc import Callable

import pytest

from schemasync import ir
from schemasync.api import Layout, NameKind, NameRequest
from schemasync.codegen.model import build_models
from schemasync.codegen.naming import (
    Namer,
    attribute_name,
    member_name,
    module_name,
    pascal_case,
    schemasync_name,
    singular,
)
from schemasync.errors import ConfigError, PluginError
from schemasync.plugins import load_plugins

TARGET = "test"
#: The labels of an enum whose members are hard to name.
HARD_LABELS = ("in progress", "2fa", "a-b", "a_b", "class", "", "_x", "name")


def request(kind: NameKind, name: str, schema: str = "public", parent: str | None = None) -> str:
    """What the core's default ``schemasync_name`` answers."""
    answer = schemasync_name(NameRequest(kind, schema, name, TARGET, parent))
    assert answer is not None
    return answer


def default(req: NameRequest) -> str | None:
    return schemasync_name(req)


def namer(
    decide: Callable[[NameRequest], str | None] = default,
    overrides: dict[str, str] | None = None,
    reserved: tuple[str, ...] = (),
) -> Namer:
    return Namer(decide, TARGET, overrides, reserved)


# --- pascal_case -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("organization_type", "OrganizationType"),
        ("Odd Name", "OddName"),
        ("1st_place", "T1stPlace"),
        ("HTTPServerLog", "HTTPServerLog"),
        ("userAccount", "UserAccount"),
        ("user-account.v2", "UserAccountV2"),
        ("naïve café", "NaïveCafé"),
        ("ﬁle_name", "FileName"),  # NFKC: the ligature is two letters
        ("__private__", "Private"),
        ("ALLCAPS", "ALLCAPS"),
        ("", ""),
        ("-- !", ""),
    ],
)
def test_pascal_case(text: str, expected: str) -> None:
    assert pascal_case(text) == expected


# --- singular --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("projects", "project"),
        ("Users", "User"),
        ("categories", "category"),
        ("CATEGORIES", "CATEGORY"),
        ("addresses", "address"),
        ("boxes", "box"),
        ("matches", "match"),
        ("wishes", "wish"),
        ("buzzes", "buzz"),
        ("sizes", "size"),
        ("prizes", "prize"),
        ("quizzes", "quiz"),
        ("statuses", "status"),
        ("buses", "bus"),
        ("viruses", "virus"),
        ("campuses", "campus"),
        ("houses", "house"),
        ("people", "person"),
        ("children", "child"),
        ("women", "woman"),
        # Already singular, or the same in both numbers: left alone.
        ("status", "status"),
        ("address", "address"),
        ("analysis", "analysis"),
        ("news", "news"),
        ("series", "series"),
        ("species", "species"),
        ("data", "data"),
        ("bus", "bus"),
        ("gas", "gas"),
        ("person", "person"),
    ],
)
def test_singular(word: str, expected: str) -> None:
    assert singular(word) == expected


# --- attribute_name --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("created_at", "created_at"),
        ("Name", "Name"),  # case is kept: the wire name is the key
        ("class", "class_"),
        ("from", "from_"),
        ("None", "None_"),
        ("match", "match"),  # a soft keyword is a valid attribute
        ("id", "id"),  # builtins are fine as attributes
        ("type", "type"),
        ("1st place", "field_1st_place"),
        ("naïve café", "naïve_café"),
        ("a-b", "a_b"),
        ("a__b", "a_b"),
        ("__x", "x"),
        ("Zip Code", "Zip_Code"),
        ("", "field"),
        ("--", "field"),
        ("ﬁle", "file"),
    ],
)
def test_attribute_name(name: str, expected: str) -> None:
    assert attribute_name(name) == expected


HOSTILE_NAMES = (
    "", " ", "_", "__", "class", "def", "None", "True", "1", "1st", "a b", "a-b", "a.b",
    "naïve", "日本語", "e\u0301", "x\u200by", "\x00", "tab\there", "😀", "💥x", "$", "a$b",
    "ﬁ", "Ⅻ", "²", "٣", "__init__", "self", "if_", "x" * 200,
)  # fmt: skip


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_attribute_and_member_names_are_always_usable(name: str) -> None:
    for made in (attribute_name(name), member_name(name)):
        assert made.isidentifier(), (name, made)
        assert not keyword.iskeyword(made), (name, made)
    assert not member_name(name).startswith("_")


# --- member_name -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("in progress", "IN_PROGRESS"),
        ("done", "DONE"),
        ("2fa", "V_2FA"),
        ("a-b", "A_B"),
        ("a_b", "A_B"),
        ("class", "CLASS"),
        ("", "EMPTY"),
        ("_x", "X"),
        ("name", "NAME"),
        ("EUR", "EUR"),
        ("état", "ÉTAT"),
    ],
)
def test_member_name(label: str, expected: str) -> None:
    assert member_name(label) == expected


# --- the default hook ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        ("row", "projects", "ProjectRow"),
        ("insert", "projects", "ProjectInsert"),
        ("update", "projects", "ProjectUpdate"),
        ("row", "user_accounts", "UserAccountRow"),
        ("row", "people", "PersonRow"),
        ("row", "Odd Tables", "OddTableRow"),
        ("row", "status", "StatusRow"),
        ("row", "2024_results", "T2024ResultRow"),
        ("row", "---", "TableRow"),
        ("enum", "task_status", "TaskStatus"),
        ("enum", "none", "None_"),
        ("enum", "true", "True_"),
        ("enum", "", "Type"),
        ("composite", "address", "Address"),
        ("composite", "geo_points", "GeoPoints"),  # types are not made singular
        ("enum_member", "in progress", "IN_PROGRESS"),
        ("field", "class", "class_"),
        ("field", "Zip Code", "Zip_Code"),
        ("module", "Billing", "billing"),
        ("module", "Odd Schema", "odd_schema"),
    ],
)
def test_default_hook(kind: NameKind, name: str, expected: str) -> None:
    assert request(kind, name) == expected


def test_default_hook_answers_through_the_plugin_host() -> None:
    host = load_plugins()
    req = NameRequest("row", "public", "user_accounts", TARGET)

    assert host.hook.schemasync_name(request=req) == "UserAccountRow"


# --- Namer: classes --------------------------------------------------------------------------

CLASHING: list[tuple[NameKind, str, str]] = [
    ("enum", "billing", "status"),
    ("enum", "public", "status"),
    ("row", "billing", "projects"),
    ("insert", "billing", "projects"),
    ("row", "public", "projects"),
    ("insert", "public", "projects"),
    ("row", "audit", "projects"),
]


def class_names(
    wanted: list[tuple[NameKind, str, str]],
    decide: Callable[[NameRequest], str | None] = default,
    reserved: tuple[str, ...] = (),
) -> dict[str, str]:
    """``schema.name:kind`` to the class name, for every class of one run."""
    resolver = namer(decide, reserved=reserved)
    resolver.classes(wanted)
    return {
        f"{schema}.{name}:{kind}": resolver.cls(kind, schema, name) for kind, schema, name in wanted
    }


def test_clash_across_schemas_public_wins_and_others_get_their_schema_as_prefix() -> None:
    assert class_names(CLASHING) == {
        "public.status:enum": "Status",
        "billing.status:enum": "BillingStatus",
        "public.projects:row": "ProjectRow",
        "public.projects:insert": "ProjectInsert",
        "billing.projects:row": "BillingProjectRow",
        "billing.projects:insert": "BillingProjectInsert",
        "audit.projects:row": "AuditProjectRow",
    }


def test_clash_resolution_does_not_depend_on_the_order_objects_arrive_in() -> None:
    expected = class_names(CLASHING)
    for order in itertools.permutations(CLASHING):
        assert class_names(list(order)) == expected
    assert class_names(CLASHING + CLASHING) == expected


def test_clash_without_public_the_first_schema_by_name_wins() -> None:
    wanted: list[tuple[NameKind, str, str]] = [("row", "b", "items"), ("row", "a", "items")]

    assert class_names(wanted) == {"a.items:row": "ItemRow", "b.items:row": "BItemRow"}


def test_prefixed_name_already_taken_gets_a_number() -> None:
    wanted: list[tuple[NameKind, str, str]] = [
        ("enum", "billing", "status"),
        ("enum", "public", "billing_status"),
        ("enum", "public", "status"),
    ]

    assert class_names(wanted) == {
        "public.billing_status:enum": "BillingStatus",
        "public.status:enum": "Status",
        "billing.status:enum": "BillingStatus2",
    }


def test_class_names_avoid_builtins_and_reserved_names() -> None:
    wanted: list[tuple[NameKind, str, str]] = [
        ("enum", "public", "exception"),  # builtins.Exception
        ("enum", "billing", "exception"),
        ("enum", "public", "literal"),  # imported by the generated module
        ("composite", "public", "type_alias"),
        ("enum", "public", "none"),  # a keyword: the hook answers None_
    ]

    names = class_names(wanted, reserved=("Literal", "TypeAlias"))

    assert names == {
        "public.exception:enum": "Exception2",
        "billing.exception:enum": "BillingException",
        "public.literal:enum": "Literal2",
        "public.type_alias:composite": "TypeAlias2",
        "public.none:enum": "None_",
    }


def test_a_plugin_answer_that_shadows_a_builtin_is_renamed() -> None:
    def plugin(req: NameRequest) -> str | None:
        return "list" if req.kind == "row" else None

    def decide(req: NameRequest) -> str | None:
        return plugin(req) or schemasync_name(req)

    wanted: list[tuple[NameKind, str, str]] = [("row", "public", "a"), ("row", "public", "b")]

    assert class_names(wanted, decide=decide) == {"public.a:row": "list2", "public.b:row": "list3"}


# --- Namer: fields and members ---------------------------------------------------------------


def test_field_names_are_unique_within_a_class() -> None:
    fields = namer().fields("public", "t", ["a-b", "a_b", "a b", "class", "class_", "id", "type"])

    assert fields == {
        "a-b": "a_b",
        "a_b": "a_b_2",
        "a b": "a_b_3",
        "class": "class_",
        "class_": "class__2",
        "id": "id",
        "type": "type",
    }


def test_field_names_avoid_the_names_a_target_reserves() -> None:
    fields = namer().fields("public", "t", ["keys", "copy", "name"], reserved=["keys", "copy"])

    assert fields == {"keys": "keys_2", "copy": "copy_2", "name": "name"}


def test_field_names_are_per_class() -> None:
    resolver = namer()

    assert resolver.fields("public", "a", ["x-y", "x_y"]) == {"x-y": "x_y", "x_y": "x_y_2"}
    assert resolver.fields("public", "b", ["x_y"]) == {"x_y": "x_y"}


def test_enum_member_names_are_valid_unique_and_make_a_working_enum() -> None:
    members = namer().members("public", "hard", HARD_LABELS)

    assert members == {
        "in progress": "IN_PROGRESS",
        "2fa": "V_2FA",
        "a-b": "A_B",
        "a_b": "A_B_2",
        "class": "CLASS",
        "": "EMPTY",
        "_x": "X",
        "name": "NAME",
    }
    made = enum.Enum("Hard", [(members[label], label) for label in HARD_LABELS], type=str)  # type: ignore[misc]
    assert [m.value for m in made] == list(HARD_LABELS)


def test_enum_member_names_from_a_plugin_avoid_what_enum_reserves() -> None:
    """A plugin that keeps labels as they are still gets names Enum accepts."""
    labels = ("name", "value", "mro", "_x", "_", "__dunder__", "x")

    def keep(req: NameRequest) -> str | None:
        return req.name if req.kind == "enum_member" else None

    members = namer(decide=keep).members("public", "e", labels)

    assert members == {
        "name": "name_2",
        "value": "value_2",
        "mro": "mro_2",
        "_x": "x",
        "_": "V",
        "__dunder__": "dunder__",
        "x": "x_2",
    }
    made = enum.Enum("Kept", [(members[label], label) for label in labels], type=str)  # type: ignore[misc]
    assert [m.value for m in made] == list(labels)


# --- overrides and invalid answers -----------------------------------------------------------


def test_config_overrides_win_over_the_hook() -> None:
    def plugin(req: NameRequest) -> str:
        return f"Plugin{req.kind.title().replace('_', '')}" if req.kind != "field" else "plugin"

    overrides = {
        "public.projects:row": "Project",
        "public.projects:insert": "NewProject",
        "public.status": "State",
        "public.projects.a-b": "a_minus_b",
        "public.status.in progress": "ACTIVE",
    }
    resolver = namer(decide=plugin, overrides=overrides)
    resolver.classes(
        [
            ("row", "public", "projects"),
            ("insert", "public", "projects"),
            ("update", "public", "projects"),
            ("enum", "public", "status"),
        ]
    )

    assert resolver.cls("row", "public", "projects") == "Project"
    assert resolver.cls("insert", "public", "projects") == "NewProject"
    assert resolver.cls("update", "public", "projects") == "PluginUpdate"
    assert resolver.cls("enum", "public", "status") == "State"
    assert resolver.fields("public", "projects", ["a-b", "c"]) == {
        "a-b": "a_minus_b",
        "c": "plugin",
    }
    assert resolver.members("public", "status", ["in progress", "done"]) == {
        "in progress": "ACTIVE",
        "done": "PluginEnumMember",
    }


def test_an_override_keys_the_exact_database_names() -> None:
    resolver = namer(
        overrides={"Odd Schema.Odd Table:row": "Odd", "Odd Schema.Odd Table.a b": "ab"}
    )
    resolver.classes([("row", "Odd Schema", "Odd Table")])

    assert resolver.cls("row", "Odd Schema", "Odd Table") == "Odd"
    assert resolver.fields("Odd Schema", "Odd Table", ["a b"]) == {"a b": "ab"}


@pytest.mark.parametrize("bad", ["my-row", "1Row", "class", "with space", "Row!"])
def test_an_override_that_is_not_an_identifier_is_a_config_error(bad: str) -> None:
    resolver = namer(overrides={"public.projects:row": bad})

    with pytest.raises(ConfigError) as caught:
        resolver.classes([("row", "public", "projects")])

    assert caught.value.message == (
        f"naming override 'public.projects:row' = {bad!r} is not a Python identifier"
    )
    assert caught.value.hint is not None
    assert caught.value.exit_code == 3


@pytest.mark.parametrize(
    ("call", "key"),
    [
        (lambda n: n.fields("public", "t", ["c"]), "public.t.c"),
        (lambda n: n.members("public", "e", ["done"]), "public.e.done"),
        (lambda n: n.classes([("enum", "public", "e")]), "public.e"),
    ],
)
def test_a_plugin_answer_that_is_not_an_identifier_is_a_plugin_error(
    call: Callable[[Namer], object], key: str
) -> None:
    with pytest.raises(PluginError) as caught:
        call(namer(decide=lambda req: "not-valid"))

    assert caught.value.message == (
        f"'not-valid', the name a schemasync_name hook chose for {key}, is not a Python identifier"
    )
    assert caught.value.exit_code == 6


def test_a_keyword_from_a_plugin_is_rejected() -> None:
    with pytest.raises(PluginError, match="'return', the name a schemasync_name hook chose"):
        namer(decide=lambda req: "return").fields("public", "t", ["c"])


def test_the_lazy_package_layout_gives_each_relation_a_module_of_its_own() -> None:
    """``_schema_relation`` in lower case; relations whose names collapse to one module are
    numbered in schema and name order, whatever order they arrive in; a column of another
    table's row type imports that table's Row from its module."""
    host = load_plugins()
    text = ir.TypeRef(schema="pg_catalog", name="text", kind="base", sql="text")

    def table(schema: str, name: str, *columns: ir.Column) -> ir.Relation:
        return ir.Relation(schema=schema, name=name, kind="table", columns=columns)

    row_of_c = ir.TypeRef(schema="a_b", name="c", kind="composite", sql="a_b.c")
    relations = (
        table("a", "b_c", ir.Column(name="x", type=text)),
        table("a_b", "c", ir.Column(name="x", type=text)),
        table("Public", "Users", ir.Column(name="c", type=row_of_c)),
    )
    modules = []
    for order in (relations, relations[::-1]):
        models = build_models(
            ir.Schema(schemas=("Public", "a", "a_b"), relations=order),
            schema_hash="",
            target="typeddict",
            profile="python",
            decide_name=lambda request: host.hook.schemasync_name(request=request),
            map_type=lambda request: host.hook.schemasync_map_type(request=request),
            layout="lazy-package",
        )
        modules.append({c.qualified_name: c.module for c in models.classes})
        (users,) = [m for m in models.modules if m.name == "_public_users"]
        assert users.imports == {"._a_b_c_2": ("CRow",)}
    assert (
        modules[0]
        == modules[1]
        == {
            "a.b_c": "_a_b_c",
            "a_b.c": "_a_b_c_2",
            "Public.Users": "_public_users",
        }
    )


# --- every Unicode category ------------------------------------------------------------------


@functools.cache
def _unicode_sample() -> list[str]:
    """Names built from characters of every Unicode category: numbers that are not digits
    (``No``: ``௰``, ``½``), marks, symbols, punctuation, separators, controls, letters, each
    alone, after a letter, and before one."""
    by_category: dict[str, list[str]] = {}
    for code in range(0x30000):
        char = chr(code)
        category = unicodedata.category(char)
        if category != "Cs" and len(by_category.setdefault(category, [])) < 40:
            by_category[category].append(char)
    chars = [c for sample in by_category.values() for c in sample]
    return [
        *chars,
        *(f"a{c}" for c in chars),
        *(f"{c}a" for c in chars),
        *(f"{c} a" for c in chars),
        *("௰ ½ ²", "ŉ", "ﬁ"),
    ]


@pytest.mark.parametrize("kind", ["row", "insert", "enum", "composite", "field", "module"])
def test_every_unicode_category_gives_an_identifier(kind: NameKind) -> None:
    for name in _unicode_sample():
        chosen = request(kind, name)
        assert chosen.isidentifier(), (kind, name, chosen)
        assert not keyword.iskeyword(chosen), (kind, name, chosen)
        assert not chosen.startswith("_"), (kind, name, chosen)
        # Python reads identifiers NFKC-normalised: two names written differently must
        # not be one name to the interpreter.
        assert unicodedata.normalize("NFKC", chosen) == chosen, (kind, name, chosen)
        # A class name never starts with a lowercase letter (ruff's PYI042 on aliases).
        if kind in ("row", "insert", "enum", "composite"):
            assert not chosen[:1].islower(), (kind, name, chosen)


def test_every_unicode_category_gives_an_enum_member() -> None:
    for label in _unicode_sample():
        chosen = member_name(label)
        assert chosen.isidentifier(), (label, chosen)
        assert unicodedata.normalize("NFKC", chosen) == chosen, (label, chosen)


def test_a_name_of_other_numbers_only_gets_a_placeholder_name() -> None:
    assert request("row", "௰") == "TableRow"
    assert request("field", "௰") == "field"
    assert member_name("௰") == "EMPTY"
    assert member_name("½") == "V_1_2"
    assert request("field", "a௰b") == "a_b"


# --- user types named like what a module imports ---------------------------------------------

#: Type names that are, or become, names generated modules import.
IMPORTED_LOOKALIKES = ("Decimal", "UUID", "decimal", "range", "datetime", "date", "Literal", "Any")


@pytest.mark.parametrize("layout", ["module", "package"])
def test_a_user_type_named_like_an_import_does_not_shadow_it(layout: Layout) -> None:
    """Enums and composites are named so that no class takes the name of something a module
    imports (``Decimal``, ``UUID``, ``date``...), whether or not a column uses that type yet:
    adding a ``uuid`` column must not rename the enum called ``UUID``."""
    host = load_plugins()

    def ref(schema: str, name: str, kind: ir.TypeKind = "base") -> ir.TypeRef:
        return ir.TypeRef(schema=schema, name=name, kind=kind, sql=name)

    builtin = ("numeric", "uuid", "date", "timestamptz", "int4range", "interval")
    names: list[dict[str, str]] = []
    for columns in ((), builtin):
        schema = ir.Schema(
            schemas=("public",),
            enums=tuple(
                ir.Enum(schema="public", name=n, labels=("x",)) for n in IMPORTED_LOOKALIKES
            ),
            relations=(
                ir.Relation(
                    schema="public",
                    name="t",
                    kind="table",
                    columns=tuple(ir.Column(name=c, type=ref("pg_catalog", c)) for c in columns)
                    + tuple(
                        ir.Column(name=f"e{i}", type=ref("public", n, "enum"))
                        for i, n in enumerate(IMPORTED_LOOKALIKES)
                    ),
                ),
            ),
        )
        for target in [*host.emitters(), "core"]:
            models = build_models(
                schema,
                schema_hash="",
                target=target,
                profile="python",
                decide_name=lambda request: host.hook.schemasync_name(request=request),
                map_type=lambda request: host.hook.schemasync_map_type(request=request),
                layout=layout,
            )
            classes = {e.db_name: e.name for e in models.enums}
            imported = {
                n
                for m in models.modules
                for source, names in m.imports.items()
                if not source.startswith(".")
                for n in names
            }
            assert not imported & set(classes.values()), (target, classes)
            assert not {"Decimal", "UUID", "date", "datetime", "Range"} & set(classes.values())
            names.append(classes)
    assert all(n == names[0] for n in names), names


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Public", "public"), ("Café Ω", "cafe"), ("௰", ""), ("2024", "m2024"), ("class", "class_")],
)
def test_module_names_are_lower_case_ascii_identifiers(name: str, expected: str) -> None:
    assert module_name(name) == expected


def test_every_unicode_category_gives_an_ascii_module_name() -> None:
    for name in _unicode_sample():
        chosen = module_name(name)
        assert chosen == "" or (chosen.isidentifier() and chosen.isascii()), (name, chosen)
        assert not keyword.iskeyword(chosen)
