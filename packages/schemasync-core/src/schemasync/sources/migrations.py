"""The ``migrations`` source: a folder of SQL migrations applied to a throwaway PostgreSQL.

Files named ``<version>_<name>.sql`` are applied in order of version (as a number), then
name, each in a transaction of its own, on a server started for the purpose and removed
afterwards, on errors, on Ctrl-C and on SIGTERM alike. Every file is parsed with pglast
first, so a syntax error is reported with its file, line and column before any server
starts. Statements are sent one by one so that an error PostgreSQL reports at a position in
one of them is mapped back to the file's line and column.
"""

from __future__ import annotations

import logging
import re
import signal
import threading
from collections.abc import Generator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from schemasync import ir
from schemasync.api import Source, SourceRequest
from schemasync.errors import MigrationError, Terminated, UsageError
from schemasync.sources import supabase

if TYPE_CHECKING:
    import psycopg
    from pglast import ast

    from schemasync.sources.engine import Engine, TemporaryServer

__all__ = [
    "AppliedServer",
    "Migration",
    "MigrationsSource",
    "Problem",
    "Statement",
    "find_migrations",
    "line_column",
    "migrated_server",
    "parse_migration",
]

log = logging.getLogger("schemasync")
#: Steps a terminal shows while they run (see schemasync.cli.terminal).
progress = logging.getLogger("schemasync.progress")

#: ``<version>_<name>.sql``, the Supabase CLI's pattern; the version is digits.
MIGRATION_NAME = re.compile(r"(?P<version>\d+)_(?P<name>.*)\.sql")


@dataclass(frozen=True)
class Migration:
    """One migration file."""

    path: Path
    version: int
    name: str

    @property
    def display(self) -> str:
        """The path as messages show it: relative to the working directory when inside it."""
        try:
            return str(self.path.relative_to(Path.cwd()))
        except ValueError:
            return str(self.path)

    def read(self) -> str:
        """The file's text; :class:`MigrationError` when it cannot be read as UTF-8."""
        try:
            return self.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise MigrationError(f"cannot read migration {self.display}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            line = self.path.read_bytes()[: exc.start].count(b"\n") + 1
            raise MigrationError(
                f"{self.display}:{line}: not UTF-8 text (byte {exc.object[exc.start]:#04x})",
                hint="save the migration as UTF-8; PostgreSQL reads migrations as UTF-8",
            ) from exc


@dataclass(frozen=True)
class Problem:
    """Something wrong in a migration, with where it is (line and column from 1)."""

    migration: Migration
    line: int
    column: int
    #: ``syntax``, ``apply``, or the naming rule that failed.
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.migration.display}:{self.line}:{self.column}: {self.message}"


@dataclass(frozen=True)
class Statement:
    """One statement of a migration: its text, where it starts in the file, its tree."""

    text: str
    offset: int
    #: The pglast node (``ast.CreateStmt``...), typed loosely as pglast's own types make
    #: every attribute optional.
    node: Any


def find_migrations(directory: Path, *, warn: bool = True) -> list[Migration]:
    """The migrations in ``directory``, in the order they apply.

    Files whose name does not match ``<version>_<name>.sql`` are skipped with a warning
    (unless ``warn`` is false), as the Supabase CLI skips them.

    :raises UsageError: the folder does not exist or holds no migration.
    """
    if not directory.is_dir():
        raise UsageError(
            f"migrations folder {directory} does not exist",
            hint="name the migrations folder (--from DIR, or lint-migrations DIR), "
            "or set migrations_dir in the config",
        )
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = MIGRATION_NAME.fullmatch(path.name)
        if match is None:
            if warn:
                log.warning(
                    "skipping %s: migration names look like <version>_<name>.sql", path.name
                )
            continue
        found.append(Migration(path, int(match["version"]), match["name"]))
    if not found:
        raise UsageError(
            f"no migrations in {directory}",
            hint="migration files are named <version>_<name>.sql, e.g. 20240101120000_init.sql",
        )
    return sorted(found, key=lambda m: (m.version, m.name))


def line_column(text: str, offset: int) -> tuple[int, int]:
    """The line and column, both from 1, of character ``offset`` (from 0) in ``text``."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def parse_migration(migration: Migration, text: str) -> list[Statement] | Problem:
    """The statements of ``text``, or the syntax error pglast finds first."""
    from pglast import parse_sql
    from pglast.parser import ParseError

    try:
        raw = parse_sql(text)
    except ParseError as exc:
        message, offset = exc.args[0], exc.args[1] if len(exc.args) > 1 else 0
        line, column = line_column(text, int(offset))
        return Problem(migration, line, column, "syntax", str(message))
    statements: list[Statement] = []
    for item in raw:
        start = item.stmt_location or 0
        # A length of 0 means "to the end of the text" for the last statement.
        end = start + item.stmt_len if item.stmt_len else len(text)
        statements.append(Statement(text[start:end], start, item.stmt))
    return statements


@dataclass
class AppliedServer:
    """A server with the migrations applied, and what stood in for missing extensions."""

    server: TemporaryServer
    supabase_layer: bool
    #: Stand-ins installed: ``(extension, schema)``.
    stand_ins: list[tuple[str, str]] = field(default_factory=list[tuple[str, str]])


#: The throwaway cluster's superuser: schemasync's own, never given to migrations.
ADMIN_ROLE = "schemasync_admin"
#: The role migrations run as, named like Supabase's own: it owns the database and may
#: create databases, but is no superuser, so it cannot reach the server's files or programs.
MIGRATION_ROLE = "postgres"
#: Extensions PostgreSQL does not mark trusted but which reach no file or program: when a
#: migration creates one, schemasync creates it as the superuser on its behalf.
PREAPPROVED_EXTENSIONS = frozenset(
    {
        "btree_gin",
        "btree_gist",
        "citext",
        "cube",
        "earthdistance",
        "fuzzystrmatch",
        "hstore",
        "intarray",
        "insert_username",
        "isn",
        "ltree",
        "moddatetime",
        "pg_stat_statements",
        "pg_trgm",
        "pgcrypto",
        "postgis",
        "seg",
        "tablefunc",
        "tsm_system_rows",
        "tsm_system_time",
        "unaccent",
        "uuid-ossp",
        "vector",
    }
)

_HANDOVER_SQL = f"""
CREATE ROLE {MIGRATION_ROLE} LOGIN CREATEDB NOSUPERUSER NOCREATEROLE NOREPLICATION;
ALTER DATABASE postgres OWNER TO {MIGRATION_ROLE};
ALTER SCHEMA public OWNER TO {MIGRATION_ROLE};
"""


class _Applier:
    """Runs statements, replacing ``CREATE EXTENSION`` of extensions the engine lacks, and
    running the statements about roles and pre-approved extensions as the superuser after
    checking that they grant nothing a superuser alone may have."""

    def __init__(
        self,
        conn: psycopg.Connection[Any],
        state: AppliedServer,
        admin: psycopg.Connection[Any] | None = None,
    ) -> None:
        self.conn = conn
        self.state = state
        self.admin = admin
        rows = conn.execute("SELECT name FROM pg_available_extensions").fetchall()
        self.available = {str(row[0]) for row in rows}
        rows = conn.execute(
            "SELECT DISTINCT name FROM pg_available_extension_versions WHERE trusted"
        ).fetchall()
        # Trusted extensions a database owner creates itself, in the migration's transaction.
        self.trusted = {str(row[0]) for row in rows}

    def _on_behalf(self, node: Any) -> bool:
        """Run a statement about roles or a pre-approved extension as the superuser, when
        it grants nothing beyond what a database owner may do; True when it was run."""
        from pglast import ast, enums

        if self.admin is None:
            return False
        if isinstance(node, ast.CreateExtensionStmt):
            name = node.extname
            if name not in PREAPPROVED_EXTENSIONS or name not in self.available - self.trusted:
                return False
        elif isinstance(node, ast.CommentStmt):
            # Extensions schemasync created as the superuser (the layer's, pre-approved
            # ones) are the superuser's: commenting on them is the one thing done for them.
            target = node.object
            if node.objtype != enums.ObjectType.OBJECT_EXTENSION or not isinstance(
                target, ast.String
            ):
                return False
            owned = self.admin.execute(
                "SELECT 1 FROM pg_extension e JOIN pg_roles r ON r.oid = e.extowner"
                " WHERE e.extname = %s AND r.rolname <> %s",
                [target.sval, MIGRATION_ROLE],
            ).fetchone()
            if owned is None:
                return False
        elif isinstance(node, (ast.CreateRoleStmt, ast.AlterRoleStmt, ast.GrantRoleStmt)):
            self._check_role_statement(node)
        elif not isinstance(node, ast.DropRoleStmt):
            return False
        from pglast.stream import RawStream

        self.admin.execute(RawStream()(node).encode())
        return True

    def _check_role_statement(self, node: Any) -> None:
        from pglast import ast

        refused: list[str] = []
        named: list[str] = []
        for option in getattr(node, "options", None) or ():
            if not isinstance(option, ast.DefElem):
                continue
            if option.defname in ("superuser", "isreplication", "bypassrls") and _enabled(
                option.arg
            ):
                refused.append(option.defname.removeprefix("is").upper())
            if option.defname == "addroleto":
                named += [getattr(r, "rolename", None) or "" for r in option.arg or ()]
        if isinstance(node, ast.GrantRoleStmt) and node.is_grant:
            named += [p.priv_name or "" for p in node.granted_roles or ()]
        if isinstance(node, ast.AlterRoleStmt):
            named.append(getattr(node.role, "rolename", None) or "")
        if named and self.admin is not None:
            rows = self.admin.execute(
                "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s) "
                "AND (rolsuper OR rolname LIKE 'pg\\_%%' OR rolname = %s)",
                [named, MIGRATION_ROLE],
            ).fetchall()
            refused += [str(row[0]) for row in rows]
        if refused:
            raise _StandInError(
                f"permission denied: migrations may not grant {', '.join(refused)} "
                "(they run as a role that is no superuser)"
            )
        #: ``schema.name`` of every relation the Supabase layer created.
        self.layer_relations: frozenset[str] = frozenset()

    def note_layer(self) -> None:
        """Remember the relations the Supabase layer created (see :meth:`layer_provided`)."""
        rows = self.conn.execute(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY(%s)",
            [list(supabase.LAYER_SCHEMAS)],
        ).fetchall()
        self.layer_relations = frozenset(str(row[0]) for row in rows)

    def layer_provided(self, statement: Statement) -> str | None:
        """The relation a ``CREATE ... IF NOT EXISTS`` names when the layer created it: the
        server skips the statement, so the migration's definition is not the one read."""
        from pglast import ast

        node = statement.node
        target: ast.RangeVar | None = None
        if isinstance(node, (ast.CreateStmt, ast.CreateSeqStmt)) and node.if_not_exists:
            target = node.relation if isinstance(node, ast.CreateStmt) else node.sequence
        elif isinstance(node, ast.CreateTableAsStmt) and node.if_not_exists and node.into:
            target = node.into.rel
        elif isinstance(node, ast.IndexStmt) and node.if_not_exists and node.idxname:
            schema = node.relation.schemaname if node.relation else None
            name = f"{schema}.{node.idxname}"
            return name if name in self.layer_relations else None
        if target is None or not target.schemaname:
            return None
        name = f"{target.schemaname}.{target.relname}"
        return name if name in self.layer_relations else None

    def _replaced(self, name: str | None) -> bool:
        return (
            name is not None
            and name not in self.available
            and (name in supabase.STAND_INS or name in supabase.PLATFORM_EXTENSIONS)
        )

    def run(self, statement: Statement) -> None:
        from pglast import ast, enums

        node = statement.node
        if isinstance(node, ast.CreateExtensionStmt) and self._replaced(node.extname):
            self._stand_in(node)
            return
        if self._on_behalf(node):
            return
        # Statements about a stand-in (COMMENT ON, ALTER, DROP EXTENSION) have nothing to act on.
        if isinstance(node, ast.CommentStmt) and node.objtype == enums.ObjectType.OBJECT_EXTENSION:
            target = node.object
            if isinstance(target, ast.String) and self._replaced(target.sval):
                return
        if isinstance(
            node, (ast.AlterExtensionStmt, ast.AlterExtensionContentsStmt)
        ) and self._replaced(node.extname):
            return
        if isinstance(node, ast.DropStmt) and node.removeType == enums.ObjectType.OBJECT_EXTENSION:
            names = [o.sval for o in node.objects or () if isinstance(o, ast.String)]
            if names and all(self._replaced(name) for name in names):
                return
        # Bytes: psycopg sends them as they are, through the simple protocol when there are
        # no parameters, so `%` in the SQL needs no escaping.
        self.conn.execute(statement.text.encode())

    def _stand_in(self, node: ast.CreateExtensionStmt) -> None:
        from pglast import ast

        name = node.extname or ""
        if name in supabase.PLATFORM_EXTENSIONS:
            log.warning(
                "extension %s is part of the Supabase platform and not of PostgreSQL; "
                "its CREATE EXTENSION was skipped and its objects are missing",
                name,
            )
            return
        if any(installed == name for installed, _ in self.state.stand_ins):
            if not node.if_not_exists:
                raise _StandInError(f'extension "{name}" already exists')
            return
        schema: str | None = None
        for option in node.options or ():
            if isinstance(option, ast.DefElem) and option.defname == "schema":
                arg = option.arg
                schema = arg.sval if isinstance(arg, ast.String) else None
        row = self.conn.execute("SELECT current_schema()").fetchone()
        schema = schema or (str(row[0]) if row and row[0] else "public")
        quoted = '"' + schema.replace('"', '""') + '"'
        sql = supabase.STAND_INS[name].statements(quoted)
        if sql:
            self.conn.execute(sql.encode())
        self.state.stand_ins.append((name, schema))


def _enabled(arg: object) -> bool:
    """Whether a role option's value turns it on (``SUPERUSER`` is 1 or true, ``NO...`` 0)."""
    value = getattr(arg, "boolval", getattr(arg, "ival", 1)) if arg is not None else 1
    return bool(value)


class _StandInError(Exception):
    """A stand-in could not be installed; reported like the server's own errors."""


def _leading(text: str) -> int:
    """The number of whitespace characters ``text`` starts with."""
    return len(text) - len(text.lstrip())


def _failure(migration: Migration, text: str, statement: Statement, exc: BaseException) -> Problem:
    import psycopg

    offset = statement.offset + _leading(statement.text)
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, psycopg.Error):
        position = exc.diag.statement_position
        if position:
            # The position counts characters of the statement sent, from 1.
            offset = statement.offset + int(position) - 1
        message = exc.diag.message_primary or message
        if exc.diag.message_detail:
            message += f" ({exc.diag.message_detail})"
    line, column = line_column(text, offset)
    return Problem(migration, line, column, "apply", message)


def apply_migration(
    applier: _Applier, migration: Migration, text: str, statements: Sequence[Statement]
) -> Problem | None:
    """Apply one migration in a transaction of its own; the failure, or None."""
    import psycopg

    current: Statement | None = None
    try:
        with applier.conn.transaction():
            for statement in statements:
                current = statement
                provided = applier.layer_provided(statement)
                if provided is not None:
                    line, _ = line_column(text, statement.offset + _leading(statement.text))
                    log.warning(
                        "%s:%d: %s already exists in the Supabase layer, so this CREATE ... "
                        "IF NOT EXISTS was skipped and the layer's definition is read, as on "
                        "Supabase; if these migrations create it themselves (not a Supabase "
                        "project), set supabase = false",
                        migration.display,
                        line,
                        provided,
                    )
                applier.run(statement)
    except (psycopg.Error, _StandInError) as exc:
        if current is None:
            raise
        return _failure(migration, text, current, exc)
    return None


@contextmanager
def terminate_as_interrupt() -> Generator[None, None, None]:
    """Within the block, SIGTERM unwinds like Ctrl-C (raising :class:`Terminated`).

    Python's default for SIGTERM is to die on the spot, which would leave the throwaway
    server running and its folder behind; unwinding runs every cleanup on the way out.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def migrated_server(
    migrations: Sequence[tuple[Migration, str, Sequence[Statement]]],
    *,
    supabase_layer: bool,
    engine: Engine | str | None = None,
    major: int | None = None,
) -> Generator[AppliedServer | Problem, None, None]:
    """A throwaway server with ``migrations`` applied, or the first migration that failed.

    :param migrations: each migration, its text, and its parsed statements, in order.
    :param supabase_layer: create Supabase's roles, schemas and objects first.
    :param engine: the binaries, or a preference for :func:`schemasync.sources.engine.find_engine`.
    :param major: the PostgreSQL major version the project pins, preferred when installed.
    :returns: a context manager; the server is stopped and removed when it exits.
    """
    import psycopg

    from schemasync.sources.engine import TemporaryServer
    from schemasync.sources.introspect import pin_settings

    progress.debug("starting a throwaway PostgreSQL server")
    with (
        terminate_as_interrupt(),
        TemporaryServer(engine, major=major, superuser=ADMIN_ROLE) as server,
        # Autocommit, so each transaction() below is a real transaction and not a savepoint.
        psycopg.connect(server.dsn(user=ADMIN_ROLE), autocommit=True) as admin,
    ):
        state = AppliedServer(server, supabase_layer)
        # One line on which PostgreSQL ran: releases differ (docs/schema-ir.md), so a user
        # comparing two machines' results needs to see it.
        pinned = ""
        if major is not None and server.engine.major != major:
            pinned = f"; the project pins {major}, which is not installed"
        log.info("applying the migrations on %s%s", server.engine.describe(), pinned)
        # The privileged steps, done by schemasync itself as the superuser; then the
        # migrations, untrusted input, run as a role that owns the database and no more.
        pin_settings(admin)
        with admin.transaction():
            admin.execute(_HANDOVER_SQL.encode())
            if supabase_layer:
                _install_layer(_Applier(admin, state))
        with psycopg.connect(server.dsn(user=MIGRATION_ROLE), autocommit=True) as conn:
            # Migrations are read in fixed settings (a timestamptz bound without an offset
            # is UTC), whatever PGTZ, PGDATESTYLE or PGOPTIONS the user's shell has.
            pin_settings(conn)
            applier = _Applier(conn, state, admin)
            if supabase_layer:
                conn.execute('SET search_path TO "$user", public, extensions')
                applier.note_layer()
            for number, (migration, text, statements) in enumerate(migrations, 1):
                progress.debug(
                    "applying migration %d of %d (%s)", number, len(migrations), migration.display
                )
                failed = apply_migration(applier, migration, text, statements)
                if failed is not None:
                    yield failed
                    return
        yield state


def _install_layer(applier: _Applier) -> None:
    conn = applier.conn
    conn.execute(supabase.LAYER_SQL.encode())
    for name in supabase.PREINSTALLED_EXTENSIONS:
        sql = f'CREATE EXTENSION IF NOT EXISTS "{name}" WITH SCHEMA extensions'
        applier.run(_statement(sql))
    # Supabase's search path, so unqualified uuid_generate_v4() resolves.
    conn.execute('ALTER DATABASE postgres SET search_path TO "$user", public, extensions')
    # As on Supabase, the migrations' role may use the layer's schemas and act as the owners
    # of its tables (a trigger on auth.users), but those owners may not create roles: that
    # would let it grant itself the server's file and program access on PostgreSQL < 16.
    conn.execute(
        "ALTER ROLE supabase_auth_admin NOCREATEROLE;"
        "ALTER ROLE supabase_storage_admin NOCREATEROLE;"
        "ALTER ROLE dashboard_user NOCREATEROLE;"
        f"GRANT supabase_auth_admin, supabase_storage_admin TO {MIGRATION_ROLE};"
        "GRANT anon, authenticated, service_role, authenticator TO "
        f"{MIGRATION_ROLE} WITH ADMIN OPTION;"
        f"GRANT ALL ON SCHEMA extensions, realtime, graphql_public TO {MIGRATION_ROLE};"
        # Supabase's postgres role owns the publication, so migrations add tables to it.
        f"ALTER PUBLICATION supabase_realtime OWNER TO {MIGRATION_ROLE};"
    )


def _statement(sql: str) -> Statement:
    from pglast import parse_sql

    return Statement(sql, 0, parse_sql(sql)[0].stmt)


def parse_all(
    directory: Path,
) -> tuple[list[tuple[Migration, str, list[Statement]]], list[Problem]]:
    """Every migration of ``directory`` read and parsed, and the syntax errors found."""
    parsed: list[tuple[Migration, str, list[Statement]]] = []
    problems: list[Problem] = []
    for migration in find_migrations(directory):
        text = migration.read()
        result = parse_migration(migration, text)
        if isinstance(result, Problem):
            problems.append(result)
        else:
            parsed.append((migration, text, result))
    return parsed, problems


def _without_stand_ins(schema: ir.Schema, state: AppliedServer) -> ir.Schema:
    """The schema as the real extensions would have left it: stand-in functions are not
    part of it, and each stand-in is listed as the installed extension it replaces."""
    hidden = {
        (schema_name, function)
        for name, schema_name in state.stand_ins
        for function in supabase.STAND_INS[name].functions
    }
    functions = tuple(f for f in schema.functions if (f.schema, f.name) not in hidden)
    extensions = schema.extensions + tuple(
        ir.Extension(name=name, schema=schema_name, version=supabase.STAND_INS[name].version)
        for name, schema_name in state.stand_ins
    )
    return msgspec.structs.replace(schema, functions=functions, extensions=extensions)


def _parse(directory: Path) -> list[tuple[Migration, str, list[Statement]]]:
    """Every migration of ``directory`` parsed; the first syntax error raised, before any
    server starts."""
    parsed, problems = parse_all(directory)
    if problems:
        raise MigrationError(
            str(problems[0]), hint="fix the migration; nothing was applied and no file was written"
        )
    return parsed


@dataclass(frozen=True)
class _Setup:
    """What a request decides besides the files: the layer, the engine, the schemas read."""

    directory: Path
    layer: bool
    #: ``auto``, ``system`` or ``embedded``; None for the environment's choice.
    engine: str | None
    #: The PostgreSQL major version a Supabase project pins.
    major: int | None
    #: The layer's schemas, left out unless included by name.
    hidden: tuple[str, ...]

    @classmethod
    def of(cls, request: SourceRequest) -> _Setup:
        directory = Path(request.target)
        layer = supabase.layer_enabled(request.options.get("supabase", "auto"), directory)
        engine = request.options.get("engine")
        hidden: tuple[str, ...] = ()
        if layer:
            hidden = tuple(s for s in supabase.LAYER_SCHEMAS if s not in request.include_schemas)
        return cls(
            directory,
            layer,
            None if engine is None else str(engine),
            supabase.pinned_major(directory),
            hidden,
        )


class MigrationsSource(Source):
    """The ``migrations`` source: a folder of SQL migrations, applied to a throwaway server."""

    name = "migrations"
    description = "a folder of SQL migrations, applied to a throwaway PostgreSQL"
    checks_offline = True

    def check_offline(self, request: SourceRequest) -> None:
        """Parse every migration in ``request.target`` (no server): a syntax error fails the
        offline check as it fails ``run``, with its ``file:line:col``."""
        _parse(Path(request.target))

    def digest(self, request: SourceRequest) -> str:
        """SHA-256 of what decides the schema the migrations give, without a server: every
        migration's name and bytes in order, the Supabase layer on or off, the engine that
        would apply them (its kind and the version its ``postgres -V`` prints, so another
        PostgreSQL release, another engine kind or another pinned major changes it) and the
        schemas read. The layer's own definition and the introspection code are part of
        schemasync, whose files the caller digests with it.
        """
        import hashlib

        from schemasync.sources.engine import find_engine

        setup = _Setup.of(request)
        migrations = [
            [m.path.name, hashlib.sha256(m.path.read_bytes()).hexdigest()]
            for m in find_migrations(setup.directory, warn=False)
        ]
        engine = find_engine(setup.engine, major=setup.major)
        inputs = {
            "migrations": migrations,
            "supabase_layer": setup.layer,
            "engine": [engine.kind, engine.version],
            "include_schemas": list(request.include_schemas),
            "exclude_schemas": [*request.exclude_schemas, *setup.hidden],
        }
        return "sha256:" + hashlib.sha256(msgspec.json.encode(inputs)).hexdigest()

    def introspect(self, request: SourceRequest) -> ir.Schema:
        """Apply the migrations in ``request.target`` and read the resulting schema.

        ``request.options`` may hold ``supabase`` (``auto``, true or false) and ``engine``
        (``auto``, ``system`` or ``embedded``). A Supabase project's pinned major version
        (``[db] major_version`` in ``supabase/config.toml``) picks the engine when installed.
        """
        import psycopg

        from schemasync.sources.introspect import introspect

        setup = _Setup.of(request)
        parsed = _parse(setup.directory)
        with migrated_server(
            parsed, supabase_layer=setup.layer, engine=setup.engine, major=setup.major
        ) as state:
            if isinstance(state, Problem):
                hint = "fix the migration; no file was written"
                if not setup.layer and supabase.mentions_layer(state.message):
                    hint += (
                        "; for Supabase migrations outside supabase/migrations, set supabase = true"
                    )
                raise MigrationError(str(state), hint=hint)
            progress.debug("introspecting the migrated database")
            with psycopg.connect(state.server.dsn(user=MIGRATION_ROLE)) as conn:
                schema = introspect(
                    conn,
                    include_schemas=request.include_schemas,
                    exclude_schemas=(*request.exclude_schemas, *setup.hidden),
                    statement_timeout_ms=request.statement_timeout_ms,
                )
        schema = _without_stand_ins(schema, state)
        # The layer's extensions (and any a migration added to its schemas) are its own.
        kept = tuple(e for e in schema.extensions if e.schema not in setup.hidden)
        return msgspec.structs.replace(schema, extensions=kept)
