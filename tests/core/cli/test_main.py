"""What the ``schemasync`` command does with bad input, run as a real subprocess.

Every failure must end with the documented exit code (2 usage, 3 config, 4 database
connection, 5 introspection), one ``error:`` line that says what is wrong, at most one
``  hint:`` line that says what to do, no traceback unless ``--debug`` asks for one, and
never the password: every DSN here carries one, so every case also proves the redaction.
"""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from cli import Result, run_cli
from pg import PgServer, run_sql
from schemasync import ir
from schemasync.sources.engine import TemporaryServer

if TYPE_CHECKING:
    from collections.abc import Iterator

PASSWORD = "Sup3r-Secret-Pw"
ROLE = "schemasync_pw_user"
#: How the messages refer to the default variables the DSN comes from.
DEFAULT_SOURCE = "$SUPABASE_DB_URL or $DATABASE_URL"
#: A name that can never resolve (RFC 6761).
UNRESOLVABLE = "db.schemasync-test.invalid"


def assert_no_secret(result: Result, secret: str = PASSWORD) -> None:
    assert secret not in result.stdout
    assert secret not in result.stderr


def assert_error(
    result: Result, code: int, message: str, hint: str | None, *, secret: str = PASSWORD
) -> tuple[str, str | None]:
    """The failure is reported as documented; returns the error and hint texts."""
    assert result.code == code, result.stderr
    assert "Traceback" not in result.stderr
    assert_no_secret(result, secret)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert 1 <= len(lines) <= 2, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    error = lines[0].removeprefix("error: ")
    assert message in error
    shown_hint = None
    if len(lines) == 2:
        assert lines[1].startswith("  hint: "), result.stderr
        shown_hint = lines[1].removeprefix("  hint: ")
    if hint is None:
        assert shown_hint is None
    else:
        assert shown_hint is not None, result.stderr
        assert hint in shown_hint
    return error, shown_hint


def url(
    conninfo: str, *, password: str = PASSWORD, user: str | None = None, dbname: str | None = None
) -> tuple[str, str]:
    """A ``postgresql://`` URL, password included, for the server ``conninfo`` names.

    A password the conninfo already holds is kept (the server may check it); otherwise
    ``password`` is added, which a trusting server ignores. Returns the URL and the password.
    """
    params = {key: str(value) for key, value in conninfo_to_dict(conninfo).items()}
    secret = params.pop("password", None) or password
    user = user or params.pop("user", None) or "postgres"
    params.pop("user", None)
    dbname = dbname or params.pop("dbname", None) or "postgres"
    params.pop("dbname", None)
    host = params.pop("host", "localhost")
    port = params.pop("port", "5432")
    if host.startswith("/"):
        netloc = ""  # a Unix socket directory goes into the query
        params = {"host": host, "port": port, **params}
    else:
        netloc = f"{host}:{port}"
    query = f"?{urlencode(params)}" if params else ""
    credentials = f"{quote(user, safe='')}:{quote(secret, safe='')}"
    return f"postgresql://{credentials}@{netloc}/{quote(dbname, safe='')}{query}", secret


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# --- a server that checks passwords ----------------------------------------------------------


@dataclass(frozen=True)
class PasswordServer:
    """A temporary server where ``ROLE`` must log in with ``PASSWORD`` (scram-sha-256)."""

    admin_dsn: str
    directory: Path

    def conninfo(self) -> str:
        return make_conninfo(self.admin_dsn, user=ROLE)


def _password_required(conninfo: str) -> bool:
    try:
        with psycopg.connect(conninfo, connect_timeout=5):
            return False
    except psycopg.OperationalError:
        return True


@pytest.fixture(scope="module")
def password_server() -> Iterator[PasswordServer]:
    with TemporaryServer() as server:
        directory = server.directory
        assert directory is not None
        admin = server.dsn()
        run_sql(
            admin,
            "SET password_encryption = 'scram-sha-256';"
            f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}';",
        )
        # initdb -A trust wrote trust lines; the test role must now give its password.
        # The postgres superuser keeps trust so the fixture can still administer the server.
        hba = directory / "data" / "pg_hba.conf"
        assert hba.is_file()
        hba.write_text(
            "# written by test_main.py\nlocal all postgres trust\nlocal all all scram-sha-256\n"
        )
        run_sql(admin, "SELECT pg_reload_conf()")
        probe = make_conninfo(admin, user=ROLE)
        deadline = time.monotonic() + 10
        while not _password_required(probe):
            assert time.monotonic() < deadline, "pg_hba.conf was not reloaded"
            time.sleep(0.05)
        yield PasswordServer(admin, directory)


@pytest.mark.postgres
def test_right_password_is_accepted(password_server: PasswordServer, tmp_path: Path) -> None:
    """Proves the setup: the role and password below are right, only the password differs."""
    dsn, _ = url(password_server.conninfo())

    result = run_cli("inspect", cwd=tmp_path, env={"DATABASE_URL": dsn})

    assert result.code == 0, result.stderr
    assert ir.decode_schema(result.stdout).schemas == ("public",)
    assert "Traceback" not in result.stderr


@pytest.mark.postgres
def test_wrong_password(password_server: PasswordServer, tmp_path: Path) -> None:
    wrong = "Wr0ng-Secret-Pw"
    dsn, _ = url(password_server.conninfo(), password=wrong)
    target = f"{ROLE}@socket {password_server.directory}"

    result = run_cli("inspect", cwd=tmp_path, env={"DATABASE_URL": dsn})

    error, _ = assert_error(
        result,
        4,
        f"the password was rejected for {target}",
        f"check the user and password in {DEFAULT_SOURCE}",
        secret=wrong,
    )
    assert_no_secret(result, PASSWORD)
    assert error.endswith("/postgres")


@pytest.mark.postgres
def test_missing_password(password_server: PasswordServer, tmp_path: Path) -> None:
    dsn = make_conninfo(password_server.conninfo())  # no password, and no pgpass file

    result = run_cli("inspect", cwd=tmp_path, env={"DATABASE_URL": dsn})

    assert_error(
        result,
        4,
        f"the server at {ROLE}@socket {password_server.directory}",
        f"add the password to {DEFAULT_SOURCE}",
    )
    assert "asks for a password and none was given" in result.stderr


# --- connection failures ---------------------------------------------------------------------


def test_unresolvable_host(tmp_path: Path) -> None:
    dsn = f"postgresql://app:{PASSWORD}@{UNRESOLVABLE}:5432/appdb"

    result = run_cli("inspect", cwd=tmp_path, env={"DATABASE_URL": dsn})

    assert_error(
        result,
        4,
        f"cannot resolve the host of app@{UNRESOLVABLE}:5432/appdb",
        f"check the host name in {DEFAULT_SOURCE}",
    )


def test_connection_refused(tmp_path: Path) -> None:
    port = free_port()
    dsn = f"postgresql://app:{PASSWORD}@127.0.0.1:{port}/appdb"

    result = run_cli("inspect", cwd=tmp_path, env={"SUPABASE_DB_URL": dsn})

    assert_error(
        result,
        4,
        f"nothing accepts connections at app@127.0.0.1:{port}/appdb",
        "check that PostgreSQL is running and the host and port are right",
    )


@pytest.mark.postgres
def test_missing_database(pg_server: PgServer, tmp_path: Path) -> None:
    dsn, secret = url(pg_server.dsn(), dbname="schemasync_no_such_db")

    result = run_cli("inspect", cwd=tmp_path, env={"DATABASE_URL": dsn})

    assert_error(
        result,
        4,
        'says: database "schemasync_no_such_db" does not exist',
        f"check the user and database names in {DEFAULT_SOURCE}",
        secret=secret,
    )


@pytest.mark.postgres
def test_missing_role(pg_server: PgServer, tmp_path: Path) -> None:
    dsn, secret = url(pg_server.dsn(), user="schemasync_no_such_role")

    result = run_cli("inspect", cwd=tmp_path, env={"DATABASE_URL": dsn})

    error, _ = assert_error(
        result,
        4,
        'says: role "schemasync_no_such_role" does not exist',
        f"check the user and database names in {DEFAULT_SOURCE}",
        secret=secret,
    )
    assert error.startswith("the server at schemasync_no_such_role@")


@pytest.mark.parametrize(
    ("dsn", "message", "hint"),
    [
        pytest.param(
            f"postgresql://app:{PASSWORD}@127.0.0.1:5432/appdb?bogus=1",
            f"the database URL in {DEFAULT_SOURCE} is malformed: "
            'invalid URI query parameter: "bogus"',
            "expected postgresql://USER@HOST:5432/DBNAME",
            id="unknown-query-parameter",
        ),
        pytest.param(
            f"postgresql://app:{PASSWORD}@[::1/appdb",
            # libpq quotes the whole URL back, password and all; it must arrive masked.
            'IPv6 host address in URI: "postgresql://app:***@[::1/appdb"',
            "expected postgresql://USER@HOST:5432/DBNAME",
            id="unclosed-ipv6-bracket",
        ),
        pytest.param(
            f"host=127.0.0.1 user=app password={PASSWORD} bogus=1",
            'is malformed: invalid connection option "bogus"',
            "expected postgresql://USER@HOST:5432/DBNAME",
            id="key-value-unknown-option",
        ),
        pytest.param(
            f"postgresql://app:{PASSWORD}@127.0.0.1:5432/appdb?sslmode=sometimes",
            "cannot connect to app@127.0.0.1:5432/appdb: "
            'connection is bad: invalid sslmode value: "sometimes"',
            f"check {DEFAULT_SOURCE}",
            id="bad-sslmode-value",
        ),
    ],
)
def test_malformed_url(tmp_path: Path, dsn: str, message: str, hint: str) -> None:
    result = run_cli("inspect", cwd=tmp_path, env={"DATABASE_URL": dsn})

    assert_error(result, 4, message, hint)


# --- configuration failures ------------------------------------------------------------------


def test_no_dsn_configured(tmp_path: Path) -> None:
    result = run_cli("inspect", cwd=tmp_path)

    assert_error(
        result,
        3,
        "no database URL: none of SUPABASE_DB_URL, DATABASE_URL is set",
        "export SUPABASE_DB_URL=postgresql://USER@HOST:5432/DBNAME",
    )


def test_dsn_env_option_names_the_variable_to_set(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"postgresql://app:{PASSWORD}@{UNRESOLVABLE}/appdb"}

    result = run_cli("inspect", "--dsn-env", "APP_DB_URL", cwd=tmp_path, env=env)

    assert_error(
        result, 3, "no database URL: none of APP_DB_URL is set", "export APP_DB_URL=postgresql://"
    )


def test_dsn_env_from_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "schemasync.toml").write_text("dsn_env = ['APP_DB_URL', 'APP_DB_URL_2']\n")
    env = {"DATABASE_URL": f"postgresql://app:{PASSWORD}@{UNRESOLVABLE}/appdb"}

    result = run_cli("inspect", cwd=tmp_path, env=env)

    assert_error(
        result,
        3,
        "no database URL: none of APP_DB_URL, APP_DB_URL_2 is set",
        "export APP_DB_URL=postgresql://",
    )


# Each config case also sets a DSN, so the config, not the connection, must be what fails.
@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        pytest.param(
            "schemasync.toml",
            "include_schemas = ['public']\nincldue_schemas = ['x']\n",
            "unknown key 'incldue_schemas' in the top level of {path}",
            id="unknown-key",
        ),
        pytest.param(
            "pyproject.toml",
            "[tool.schemasync]\nexclude-tablez = []\n",
            "unknown key 'exclude_tablez' in [tool.schemasync] of {path}",
            id="unknown-kebab-key-in-pyproject",
        ),
        pytest.param(
            "schemasync.toml",
            "include_schemas = ['public'\n",
            "{path} is not valid TOML: ",
            id="bad-toml",
        ),
        pytest.param(
            "pyproject.toml",
            "[tool.schemasync\n",
            "{path} is not valid TOML: ",
            id="bad-toml-in-pyproject",
        ),
        pytest.param(
            "schemasync.toml",
            "statement_timeout = 'long'\n",
            "'statement_timeout' in the top level of {path}: expected `float`, got `str`",
            id="wrong-type",
        ),
        pytest.param(
            "schemasync.toml",
            "statement_timeout = -5\n",
            "'statement_timeout' in the top level of {path} must be a positive number",
            id="negative-timeout",
        ),
        pytest.param(
            "schemasync.toml",
            "statement_timeout = nan\n",
            "'statement_timeout' in the top level of {path} must be a positive number",
            id="nan-timeout",
        ),
    ],
)
def test_malformed_config_file(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    env = {"DATABASE_URL": f"postgresql://app:{PASSWORD}@{UNRESOLVABLE}/appdb"}

    result = run_cli("inspect", cwd=tmp_path, env=env)

    assert_error(result, 3, message.format(path=path), None)


def test_malformed_config_file_found_from_a_subfolder(tmp_path: Path) -> None:
    path = tmp_path / "schemasync.toml"
    path.write_text("profile = 'xml'\n")
    (tmp_path / "src" / "app").mkdir(parents=True)

    result = run_cli("inspect", cwd=tmp_path / "src" / "app")

    assert_error(result, 3, f"'profile' in the top level of {path}: invalid enum value 'xml'", None)


def test_config_file_storing_the_database_url(tmp_path: Path) -> None:
    path = tmp_path / "schemasync.toml"
    path.write_text(f"dsn = 'postgresql://app:{PASSWORD}@{UNRESOLVABLE}/appdb'\n")

    result = run_cli("inspect", cwd=tmp_path)

    assert_error(
        result,
        3,
        f"'dsn' in the top level of {path}: the database URL must not be stored in a file",
        "name the environment variable that holds it with dsn_env",
    )


def test_config_option_naming_a_missing_file(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"postgresql://app:{PASSWORD}@{UNRESOLVABLE}/appdb"}

    result = run_cli("--config", "conf/missing.toml", "inspect", cwd=tmp_path, env=env)

    assert_error(result, 3, "config file conf/missing.toml does not exist", None)


# --- usage -----------------------------------------------------------------------------------


def test_conflicting_options_are_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("inspect", "--tables", "--enums", cwd=tmp_path)

    assert result.code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("usage: schemasync inspect")
    assert [line for line in lines if line.startswith("error: ")] == [
        "error: argument --enums: not allowed with argument --tables"
    ]


# --- connected, but nothing or not that to read ----------------------------------------------


@pytest.mark.postgres
def test_empty_database_warns_and_prints_valid_json(pg_dsn: str, tmp_path: Path) -> None:
    dsn, secret = url(pg_dsn)

    result = run_cli("inspect", cwd=tmp_path, env={"DATABASE_URL": dsn})

    assert result.code == 0, result.stderr
    assert_no_secret(result, secret)
    assert result.stderr.splitlines() == [
        "warning: no tables, views or types in schemas public; check the database name in "
        "the URL and include_schemas"
    ]
    document = json.loads(result.stdout)
    assert document["schemas"] == ["public"]
    assert document["relations"] == []
    assert document["enums"] == []
    assert document["ir_version"] == ir.IR_VERSION


@pytest.mark.postgres
def test_schema_that_does_not_exist(pg_dsn: str, tmp_path: Path) -> None:
    run_sql(pg_dsn, "CREATE SCHEMA billing; CREATE TABLE billing.invoice (id int PRIMARY KEY);")
    dsn, secret = url(pg_dsn)

    result = run_cli(
        "inspect",
        "--schema",
        "billing",
        "--schema",
        "biling",
        cwd=tmp_path,
        env={"DATABASE_URL": dsn},
    )

    error, _ = assert_error(
        result,
        5,
        "schema 'biling' does not exist in ",
        "fix include_schemas in the config or --schema",
        secret=secret,
    )
    assert error.endswith("(schemas there: billing, public)")


# --- --debug ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dsn",
    [
        pytest.param(f"postgresql://app:{PASSWORD}@127.0.0.1:{{port}}/appdb", id="refused"),
        pytest.param(f"postgresql://app:{PASSWORD}@[::1/appdb", id="malformed-url"),
    ],
)
def test_debug_shows_the_traceback_but_not_the_password(tmp_path: Path, dsn: str) -> None:
    dsn = dsn.format(port=free_port())

    result = run_cli("--debug", "inspect", cwd=tmp_path, env={"DATABASE_URL": dsn})

    assert result.code == 4
    assert result.stdout == ""
    assert_no_secret(result)
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert "schemasync.errors.DatabaseError: " in result.stderr
    lines = result.stderr.splitlines()
    assert [line for line in lines if line.startswith("error: ")] == [lines[-2]]
    assert lines[-1].startswith("  hint: ")
