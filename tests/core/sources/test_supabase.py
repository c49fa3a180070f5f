"""The Supabase layer and extension stand-ins: Supabase migrations apply on a bare engine.

The migrations here use what Supabase projects' migrations use most. They are applied on
each engine, the embedded one included (it ships contrib, but not pgcrypto or uuid-ossp).
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from migration_project import write_migrations
from pg import require_engine
from schemasync import ir
from schemasync.api import SourceRequest
from schemasync.errors import MigrationError
from schemasync.sources.engine import ENGINE_KINDS, EngineKind
from schemasync.sources.migrations import (
    AppliedServer,
    MigrationsSource,
    migrated_server,
    parse_all,
)
from schemasync.sources.supabase import LAYER_SCHEMAS

PROFILES = """
    create table public.profiles (
        id uuid primary key references auth.users (id) on delete cascade,
        token uuid not null default uuid_generate_v4(),
        email text,
        updated_at timestamptz not null default now()
    );
    alter table public.profiles enable row level security;
    create policy "own profile" on public.profiles
        for select to authenticated using (auth.uid() = id);
    grant select on public.profiles to anon, authenticated, service_role;
"""
EVERYTHING_ELSE = """
    create extension if not exists "uuid-ossp" with schema extensions;
    create extension if not exists pgcrypto with schema extensions;
    create extension if not exists moddatetime schema extensions;
    create extension if not exists pg_net;
    comment on extension pgcrypto is 'cryptographic functions';

    create function public.handle_new_user() returns trigger language plpgsql
    security definer set search_path = '' as $$
    begin
        insert into public.profiles (id, email) values (new.id, new.email);
        return new;
    end $$;
    create trigger on_auth_user_created after insert on auth.users
        for each row execute procedure public.handle_new_user();
    create trigger touch before update on public.profiles
        for each row execute procedure extensions.moddatetime (updated_at);

    create policy "admins" on public.profiles for all
        using (auth.jwt() ->> 'role' = 'admin' or auth.role() = 'service_role'
               or auth.email() like '%@example.com');
    insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);
    create policy "avatar owners" on storage.objects for insert to authenticated
        with check (bucket_id = 'avatars' and (storage.foldername(name))[1] = auth.uid()::text);
    alter publication supabase_realtime add table public.profiles;
    create table public.keys (
        id uuid primary key default extensions.uuid_generate_v5(extensions.uuid_ns_url(), 'x'),
        secret bytea not null default extensions.gen_random_bytes(16),
        hash bytea default extensions.digest('x', 'sha256')
    );
"""


def supabase_project(root: Path) -> Path:
    return write_migrations(
        root / "supabase" / "migrations",
        {"20240101000000_profiles.sql": PROFILES, "20240102000000_more.sql": EVERYTHING_ELSE},
    )


def read(target: Path, engine: EngineKind | None = None, **fields: object) -> ir.Schema:
    options = {} if engine is None else {"engine": require_engine(engine).kind}
    return MigrationsSource().introspect(
        SourceRequest(target=str(target), options=options, **fields)  # type: ignore[arg-type]
    )


@pytest.mark.postgres
def test_auth_users_uid_and_uuid_generate_v4_apply_on_the_embedded_engine(
    tmp_path: Path,
) -> None:
    folder = write_migrations(
        tmp_path / "supabase" / "migrations", {"20240101000000_profiles.sql": PROFILES}
    )
    schema = read(folder, "embedded")

    profiles = schema.relation("public", "profiles")
    assert profiles.column("token").default == "extensions.uuid_generate_v4()"
    assert [(fk.ref_schema, fk.ref_table) for fk in profiles.foreign_keys] == [("auth", "users")]
    assert [p.using for p in profiles.policies] == ["(auth.uid() = id)"]
    assert profiles.policies[0].roles == ("authenticated",)


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ENGINE_KINDS)
def test_the_layer_provides_what_supabase_migrations_use(
    tmp_path: Path, engine: EngineKind
) -> None:
    parsed, problems = parse_all(supabase_project(tmp_path))
    assert problems == []
    with migrated_server(parsed, supabase_layer=True, engine=require_engine(engine)) as state:
        assert isinstance(state, AppliedServer), state
        with psycopg.connect(state.server.dsn()) as conn:
            roles = {r[0] for r in conn.execute("SELECT rolname FROM pg_roles").fetchall()}
            assert {
                "anon",
                "authenticated",
                "service_role",
                "supabase_admin",
                "supabase_auth_admin",
            } <= roles
            # The trigger on auth.users and the moddatetime stand-in (or the real one) work.
            conn.execute(
                "INSERT INTO auth.users (id, email) VALUES "
                "('00000000-0000-0000-0000-000000000001', 'a@example.com')"
            )
            conn.execute("UPDATE public.profiles SET updated_at = '2000-01-01'")
            row = conn.execute("SELECT email, updated_at > '2001-01-01' FROM public.profiles")
            assert row.fetchall() == [("a@example.com", True)]
            publication = conn.execute(
                "SELECT tablename FROM pg_publication_tables WHERE pubname = 'supabase_realtime'"
            ).fetchall()
            assert publication == [("profiles",)]
    if engine == "embedded":
        assert sorted(name for name, _ in state.stand_ins) == ["pgcrypto", "uuid-ossp"]


@pytest.mark.postgres
def test_the_layer_is_left_out_unless_asked_for_and_reads_the_same_on_every_engine(
    tmp_path: Path,
) -> None:
    folder = supabase_project(tmp_path)
    results = {kind: read(folder, kind) for kind in ENGINE_KINDS}

    schema = results["system"]
    assert schema.schemas == ("public",)
    assert [e.name for e in schema.extensions] == ["plpgsql"]
    # handle_new_user is a trigger function: no client calls it by name.
    assert schema.functions == ()
    assert ir.encode_schema(results["embedded"]) == ir.encode_schema(schema)

    asked = read(folder, include_schemas=("public", "auth", "storage"))
    assert asked.schemas == ("auth", "public", "storage")
    users = asked.relation("auth", "users")
    assert {"id", "email", "raw_user_meta_data", "created_at"} <= {c.name for c in users.columns}
    assert {f"{f.schema}.{f.name}" for f in asked.functions} >= {
        "auth.uid",
        "auth.jwt",
        "auth.role",
        "auth.email",
        "storage.foldername",
    }
    assert {r.name for r in asked.relations if r.schema == "storage"} == {"buckets", "objects"}
    assert set(LAYER_SCHEMAS) >= {"auth", "storage", "extensions"}


@pytest.mark.postgres
def test_stand_ins_read_like_the_real_extension_outside_the_layer(tmp_path: Path) -> None:
    folder = write_migrations(
        tmp_path / "db",
        {
            "1_ext.sql": """
                create extension if not exists "uuid-ossp";
                create table public.things (id uuid primary key default uuid_generate_v4());
            """
        },
    )
    results = {kind: read(folder, kind) for kind in ENGINE_KINDS}

    schema = results["system"]
    assert [(e.name, e.schema, e.version) for e in schema.extensions] == [
        ("plpgsql", "pg_catalog", "1.0"),
        ("uuid-ossp", "public", "1.1"),
    ]
    assert schema.functions == ()
    assert ir.encode_schema(results["embedded"]) == ir.encode_schema(schema)


@pytest.mark.postgres
def test_without_the_layer_auth_is_missing_and_the_hint_says_how_to_turn_it_on(
    tmp_path: Path,
) -> None:
    folder = write_migrations(tmp_path / "db", {"1_profiles.sql": PROFILES})
    with pytest.raises(MigrationError) as caught:
        read(folder)
    assert caught.value.message.endswith(
        "1_profiles.sql:3:33: function uuid_generate_v4() does not exist"
    )
    assert caught.value.hint is not None
    assert "set supabase = true" in caught.value.hint

    schema = MigrationsSource().introspect(
        SourceRequest(target=str(folder), options={"supabase": True})
    )
    assert [r.name for r in schema.relations] == ["profiles"]


@pytest.mark.postgres
def test_the_layer_can_be_turned_off_for_a_supabase_layout(tmp_path: Path) -> None:
    folder = write_migrations(tmp_path / "supabase" / "migrations", {"1_profiles.sql": PROFILES})
    with pytest.raises(MigrationError, match=r"uuid_generate_v4\(\) does not exist"):
        MigrationsSource().introspect(
            SourceRequest(target=str(folder), options={"supabase": False})
        )


@pytest.mark.postgres
def test_a_migration_creating_what_the_layer_provides_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = write_migrations(
        tmp_path / "supabase" / "migrations",
        {
            "1_auth.sql": """
                create schema if not exists auth;
                create table if not exists auth.users (id uuid primary key, email text);
                create table if not exists public.notes (id int);
            """,
            "2_again.sql": "create table if not exists public.notes (id int);",
        },
    )
    with caplog.at_level("WARNING", logger="schemasync"):
        MigrationsSource().introspect(SourceRequest(target=str(folder)))
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    # Only the layer's table: the schema is the layer's too, and a migration repeating its
    # own CREATE ... IF NOT EXISTS is not a surprise.
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(
        f"{folder / '1_auth.sql'}:2: auth.users already exists in the Supabase layer, "
        "so this CREATE ... IF NOT EXISTS was skipped"
    )
    assert "set supabase = false" in warnings[0]


@pytest.mark.postgres
def test_a_reference_to_auth_without_the_layer_gets_the_hint(tmp_path: Path) -> None:
    folder = write_migrations(
        tmp_path / "db",
        {"1_notes.sql": "create table public.notes (owner uuid references auth.users (id));"},
    )
    with pytest.raises(MigrationError) as caught:
        read(folder)
    assert caught.value.message.endswith('1_notes.sql:1:1: schema "auth" does not exist')
    assert caught.value.hint is not None
    assert "set supabase = true" in caught.value.hint
