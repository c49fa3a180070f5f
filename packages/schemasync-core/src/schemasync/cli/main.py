"""The ``schemasync`` command line.

Exit codes (documented in docs/cli.md): 0 success, 1 drift or lint problems found, 2 usage,
3 config, 4 database connection, 5 introspection, 6 plugin, 7 throwaway server, 8 output,
9 a migration failed, 70 a bug, 130 interrupted, 143 terminated.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Generator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, cast

from schemasync import __version__, ir
from schemasync.api import Command
from schemasync.changes import Severity
from schemasync.cli.publishing import add_publish_options, publish
from schemasync.cli.terminal import plural, setup_progress
from schemasync.config import Config, load_config
from schemasync.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_BUG,
    EXIT_DRIFT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    PluginError,
    SchemasyncError,
    Terminated,
)
from schemasync.pipeline import SourceChoice, check_source_offline, read_current, read_schema
from schemasync.plugins import BLOCK_ENV, PluginHost, load_plugins
from schemasync.redact import printable, redact

if TYPE_CHECKING:
    from schemasync.cli.terminal import ProgressHandler
    from schemasync.drift.check import CheckResult

__all__ = ["command", "main"]

log = logging.getLogger("schemasync")


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors go through the same one-line format as the rest."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"error: {message}\n")
        raise SystemExit(2)


def _add_source_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("source")
    group.add_argument("--source", help="source kind (default: from config, else postgres)")
    group.add_argument("--from", dest="target", metavar="PATH", help="target of the source")
    group.add_argument(
        "--dsn-env", metavar="VAR", help="environment variable holding the database URL"
    )
    group.add_argument(
        "--schema",
        dest="schemas",
        action="append",
        default=[],
        metavar="NAME",
        help="read only this schema (repeatable)",
    )
    group.add_argument(
        "--exclude-schema",
        dest="exclude",
        action="append",
        default=[],
        metavar="NAME",
        help="leave this schema out (repeatable)",
    )


def _build_parser(extra: Mapping[str, Command] | None = None) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="schemasync",
        description="Keep typed Python models in sync with a PostgreSQL database.",
    )
    parser.add_argument("--version", action="version", version=f"schemasync {__version__}")
    _add_global_flags(parser, suppress=False)
    parser.add_argument("--config", type=Path, metavar="FILE", help="config file to use")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    inspect = commands.add_parser("inspect", help="print the schema the source holds")
    _add_source_options(inspect)
    shown = inspect.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help="the full IR as JSON (default)")
    shown.add_argument("--tables", action="store_true", help="list tables and views")
    shown.add_argument("--enums", action="store_true", help="list enums and their labels")
    inspect.set_defaults(handler=_inspect)

    run = commands.add_parser(
        "run", help="generate the models of the chosen targets, the lock and schema_version.py"
    )
    _add_source_options(run)
    run.add_argument(
        "--emit",
        metavar="NAME[,NAME]",
        default="",
        help="targets to generate (default: emit in config)",
    )
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="list what would be written and deleted, and write nothing",
    )
    run.set_defaults(handler=_run)

    verbs = (
        ("check", "fail when the database, the lock and the models disagree", _check),
        ("diff", "show every change between the lock, the models and the database", _diff),
        ("report", "write the drift report as Markdown (a PR comment, a step summary)", _report),
    )
    for name, summary, handler in verbs:
        command = commands.add_parser(name, help=summary)
        _add_source_options(command)
        _add_drift_options(command, report=name == "report")
        if name != "diff":
            add_publish_options(command)
        command.set_defaults(handler=handler)

    history = commands.add_parser(
        "history", help="print the drift history: when each change came and went"
    )
    history.add_argument(
        "--file", type=Path, metavar="FILE", help="history file (default: history_file in config)"
    )
    history.add_argument("--format", choices=("text", "json"), default="text")
    history.set_defaults(handler=_history)

    hook = commands.add_parser("install-hook", help="install a git pre-commit hook running check")
    hook.add_argument("--uninstall", action="store_true", help="remove the hook it installed")
    hook.set_defaults(handler=_install_hook)
    lint = commands.add_parser(
        "lint-migrations", help="check that migrations parse, apply and follow naming rules"
    )
    lint.add_argument("directory", nargs="?", type=Path, metavar="DIR", help="migrations folder")
    lint.add_argument("--format", choices=("text", "json", "github"), default="text")
    lint.set_defaults(handler=_lint_migrations)
    analyze = commands.add_parser("analyze", help="print metrics of the schema the source holds")
    _add_source_options(analyze)
    analyze.add_argument("--json", action="store_true", help="as JSON")
    analyze.set_defaults(handler=_analyze)

    plugins = commands.add_parser("plugins", help="list installed plugins and their hooks")
    plugins.add_argument("--json", action="store_true", help="as JSON")
    plugins.set_defaults(handler=_plugins)

    init = commands.add_parser(
        "init", help="write a first configuration, with defaults found in the project"
    )
    init.add_argument(
        "--pre-commit", action="store_true", help=f"add the check to {PRE_COMMIT_HOOKS_FILE}"
    )
    init.add_argument(
        "--github", action="store_true", help="write a GitHub Actions workflow running the check"
    )
    init.add_argument("--force", action="store_true", help="replace what exists")
    init.set_defaults(handler=_init)
    # The global flags are accepted after the command too: `schemasync run --debug`.
    for command in commands.choices.values():
        _add_global_flags(command, suppress=True)
    for name, plugin_command in sorted((extra or {}).items()):
        if name in commands.choices:
            raise PluginError(
                f"a plugin registers a command named {name!r}, which is a schemasync command",
                hint=f"uninstall the plugin, or block it with {BLOCK_ENV}",
            )
        added = commands.add_parser(name, help=plugin_command.help)
        plugin_command.add_arguments(added)
        added.set_defaults(handler=plugin_command.run)
    return parser


PRE_COMMIT_HOOKS_FILE = ".pre-commit-config.yaml"


def _add_global_flags(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    # After the command, an absent flag must not reset what was given before it.
    default = argparse.SUPPRESS if suppress else False
    parser.add_argument(
        "--debug", action="store_true", default=default, help="show tracebacks and debug logs"
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default,
        help="no progress and no notices; errors and results only",
    )


def _add_drift_options(parser: argparse.ArgumentParser, *, report: bool) -> None:
    group = parser.add_argument_group("drift")
    group.add_argument(
        "--offline",
        action="store_true",
        help="no database: check the models and generated files against the lock",
    )
    group.add_argument(
        "--against",
        choices=["lock", "code", "both"],
        help="compare the database with the lock, the models, or both (default: config)",
    )
    group.add_argument(
        "--fail-on",
        choices=[s.name.lower() for s in Severity],
        help="lowest severity that fails (default: config fail_on, else high)",
    )
    group.add_argument(
        "--format",
        choices=["text", "json", "markdown", "github"],
        default="markdown" if report else None,
        help="output format (default: text; markdown for report)",
    )
    if report:
        group.add_argument("--output", type=Path, metavar="FILE", help="write to FILE")


def _drift(args: argparse.Namespace, host: PluginHost, config: Config) -> CheckResult:
    from schemasync.codegen.transaction import recover
    from schemasync.drift.check import check

    # A run killed while renaming its files into place is completed first, so what is
    # compared is one run's files and lock, never a mix.
    recover(config.root / config.settings.lock_file)
    if args.offline:
        check_source_offline(host, config, _source_choice(args))
    reader = None if args.offline else (lambda: _read_current(host, config, args)[0])
    return check(
        host,
        config,
        reader,
        against=args.against,
        fail_on=Severity.parse(args.fail_on) if args.fail_on else None,
    )


def _render(result: CheckResult, fmt: str | None, out: TextIO, *, detail: bool) -> str:
    from schemasync.drift.report import render

    colour = fmt is None and out.isatty() and not os.environ.get("NO_COLOR")
    return render(result, fmt or "text", detail=detail, colour=colour)  # type: ignore[arg-type]


def _check(args: argparse.Namespace, host: PluginHost, out: TextIO) -> int:
    config = load_config(args.config)
    result = _drift(args, host, config)
    out.write(_render(result, args.format, out, detail=False))
    publish(args, host, config, result, detail=False)
    return EXIT_DRIFT if result.failed else EXIT_OK


def _diff(args: argparse.Namespace, host: PluginHost, out: TextIO) -> int:
    result = _drift(args, host, load_config(args.config))
    out.write(_render(result, args.format, out, detail=True))
    return EXIT_OK


def _report(args: argparse.Namespace, host: PluginHost, out: TextIO) -> int:
    from schemasync.codegen.output import PlannedFile, write_atomically

    config = load_config(args.config)
    result = _drift(args, host, config)
    text = _render(result, args.format, out, detail=True)
    if args.output:
        write_atomically(PlannedFile(args.output, text.encode()))
    else:
        out.write(text)
    publish(args, host, config, result, detail=True)
    return EXIT_OK


def _history(args: argparse.Namespace, host: PluginHost, out: TextIO) -> int:
    from schemasync.publish.history import read, render

    config = load_config(args.config)
    path = args.file or config.root / config.settings.history_file
    out.write(render(read(path), args.format, path=str(path)))
    return EXIT_OK


def _install_hook(args: argparse.Namespace, host: PluginHost, out: TextIO) -> int:
    from schemasync.cli.githook import install_hook, uninstall_hook

    path = uninstall_hook(Path.cwd()) if args.uninstall else install_hook(Path.cwd())
    out.write(f"{'removed' if args.uninstall else 'installed'} {path}\n")
    return EXIT_OK


def _read_current(
    host: PluginHost, config: Config, args: argparse.Namespace
) -> tuple[ir.Schema, str]:
    """The chosen source's schema and digest; the lock's schema while the digest holds."""
    from schemasync.codegen.lock import read_lock

    def recorded() -> tuple[str, ir.Schema] | None:
        lock = read_lock(config.root / config.settings.lock_file)
        return (lock.source_digest, lock.schema) if lock is not None else None

    return read_current(host, config, _source_choice(args), recorded)


def _source_choice(args: argparse.Namespace) -> SourceChoice:
    return SourceChoice(
        source=args.source,
        target=args.target,
        dsn_env=args.dsn_env,
        include_schemas=tuple(args.schemas),
        exclude_schemas=tuple(args.exclude),
    )


def _inspect(args: argparse.Namespace, host: PluginHost, out: TextIO) -> int:
    config = load_config(args.config)
    schema = read_schema(host, config, _source_choice(args))
    if not schema.relations and not schema.enums and not schema.composite_types:
        log.warning(
            "no tables, views or types in schemas %s; check the database name in the URL "
            "and include_schemas",
            ", ".join(schema.schemas) or "(none)",
        )
    if args.tables:
        for rel in schema.relations:
            kind = rel.kind.replace("_", " ")
            name = printable(rel.qualified_name)
            out.write(f"{name}\t{kind}\t{plural(len(rel.columns), 'column')}\n")
    elif args.enums:
        for enum in schema.enums:
            labels = ", ".join(enum.labels)
            out.write(f"{printable(f'{enum.schema}.{enum.name}')}\t{printable(labels)}\n")
    else:
        out.write(ir.encode_schema(schema).decode())
    return EXIT_OK


def _run(args: argparse.Namespace, host: PluginHost, out: TextIO) -> int:
    from schemasync.codegen.generate import choose_emitters, run

    config = load_config(args.config)
    requested = [name.strip() for name in args.emit.split(",") if name.strip()]
    emitters = choose_emitters(host, config, requested)
    schema, source_digest = _read_current(host, config, args)
    result = run(host, config, schema, emitters, dry_run=args.dry_run, source_digest=source_digest)
    root = config.root
    done = result.written
    verbs = ("would write", "would delete") if args.dry_run else ("wrote", "deleted")
    for verb, paths in zip(verbs, (done.written, done.deleted), strict=True):
        for path in paths:
            out.write(f"{verb} {path.relative_to(root) if path.is_relative_to(root) else path}\n")
    counts = (
        f"{len(done.written)} written, {len(done.deleted)} deleted, {len(done.unchanged)} unchanged"
    )
    if args.dry_run:
        counts = f"dry run, nothing changed: {counts}"
    out.write(f"{counts}; schema version {result.schema_version} ({result.schema_hash[:19]})\n")
    return EXIT_OK


def _init(args: argparse.Namespace, host: PluginHost, out: TextIO) -> int:
    from schemasync.cli.init import init_project

    root = Path.cwd()
    result = init_project(
        root,
        sorted(host.emitters()),
        pre_commit=args.pre_commit,
        github=args.github,
        force=args.force,
    )
    for notice in result.notices:
        log.info("%s", notice)
    for path in result.written:
        out.write(f"wrote {path.relative_to(root)}\n")
    return EXIT_OK


def _lint_migrations(args: argparse.Namespace, host: PluginHost, out: TextIO) -> int:
    from schemasync.cli.lint import format_result, lint_migrations

    config = load_config(args.config)
    settings = config.settings
    directory = args.directory or config.root / settings.migrations_dir
    result = lint_migrations(directory, settings.lint, supabase_mode=settings.supabase)
    out.write(format_result(result, args.format))
    return EXIT_DRIFT if result.problems else EXIT_OK


def _analyze(args: argparse.Namespace, host: PluginHost, out: TextIO) -> int:
    from schemasync.analyze import analyze, metrics_json, render_metrics
    from schemasync.codegen.lock import read_lock

    config = load_config(args.config)
    schema = read_schema(host, config, _source_choice(args))
    lock = read_lock(config.root / config.settings.lock_file)
    # The lock's version names this schema only while the lock holds this very schema.
    synced = lock is not None and lock.hash == ir.schema_hash(schema)
    metrics = analyze(schema, schema_version=lock.schema_version if lock and synced else None)
    out.write(metrics_json(metrics) if args.json else render_metrics(metrics))
    return EXIT_OK


def _plugins(args: argparse.Namespace, host: PluginHost, out: TextIO) -> int:
    if args.json:
        out.write(json.dumps([asdict(p) for p in host.plugins], indent=2) + "\n")
        return EXIT_OK
    width = max((len(p.name) for p in host.plugins), default=4)
    for p in host.plugins:
        origin = f"{p.distribution} {p.version}"
        detail = p.error if p.error else ", ".join(p.hooks)
        out.write(f"{p.name:<{width}}  {p.status:<7}  {origin:<28}  {detail}\n")
    return EXIT_OK


class _AfterProgress:
    """The command's output stream, erasing the progress line before its first write."""

    def __init__(self, out: TextIO, progress: ProgressHandler | None) -> None:
        self._out = out
        self._progress = progress

    def write(self, text: str) -> int:
        if self._progress:
            self._progress.clear()
        return self._out.write(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self._out, name)


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {_shown(record.getMessage())}"


def _shown(message: str) -> str:
    """A message as the terminal gets it: passwords masked, names escaped, and every line
    after the first indented, so no name in it can forge a line of its own."""
    return printable(redact(message), keep_newlines=True).replace("\n", "\n  ")


def _setup_logging(debug: bool, quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    log.handlers[:] = [handler]
    # Quiet keeps warnings: they are about the result, not about progress.
    log.setLevel(logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO)
    log.propagate = False


def _report_failed_plugins(host: PluginHost) -> None:
    for p in host.plugins:
        if p.status == "failed":
            log.warning(
                "plugin %r from %s %s failed to load and was skipped: %s",
                p.name,
                p.distribution,
                p.version,
                p.error,
            )


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


@contextmanager
def _signal_handlers() -> Generator[None, None, None]:
    """Ctrl-C (SIGINT) and SIGTERM unwind the command, whatever the dispositions inherited.

    A process started in the background by a shell inherits SIGINT as ignored, and SIGTERM
    kills on the spot by default: either way a throwaway server and its folder would stay
    behind. The command sets both itself, so every cleanup runs on the way out, and gives
    the previous handlers back when it returns (``main`` may be called in-process).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {
        signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
        signal.SIGTERM: signal.signal(signal.SIGTERM, _terminate),
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the CLI and return its exit code.

    :param argv: arguments without the program name; defaults to ``sys.argv[1:]``.
    :param out: where command output goes; defaults to standard output.
    """
    # Plugins load before the arguments are parsed: they may add commands.
    host = load_plugins()
    try:
        parser = _build_parser(host.commands())
    except SchemasyncError as exc:
        sys.stderr.write(f"error: {exc.message}\n" + (f"  hint: {exc.hint}\n" if exc.hint else ""))
        return exc.exit_code
    args = parser.parse_args(argv)
    _setup_logging(args.debug, args.quiet)
    progress = setup_progress(sys.stderr, quiet=args.quiet)
    with _signal_handlers():
        return _dispatch(
            args, host, cast("TextIO", _AfterProgress(out or sys.stdout, progress)), progress
        )


def command() -> int:
    """The ``schemasync`` command (and ``python -m schemasync``): :func:`main`, in a
    process that ends when it returns."""
    code = main()
    # At exit the interpreter's last collections go over every object the command made
    # (60 ms of a half-second first run of 385 relations); frozen objects are left out.
    # Nothing else changes: every exit handler still runs, every stream is flushed.
    gc.freeze()
    return code


def _dispatch(
    args: argparse.Namespace, host: PluginHost, out: TextIO, progress: ProgressHandler | None
) -> int:
    handler: Callable[[argparse.Namespace, PluginHost, TextIO], int] = args.handler
    try:
        try:
            _report_failed_plugins(host)
            return handler(args, host, out)
        finally:
            # Whatever ends the command, its last words start on a clean line.
            if progress:
                progress.clear()
    except SchemasyncError as exc:
        if args.debug:
            sys.stderr.write(redact("".join(traceback.format_exception(exc))))
        sys.stderr.write(f"error: {_shown(exc.message)}\n")
        if exc.hint:
            sys.stderr.write(f"  hint: {_shown(exc.hint)}\n")
        return exc.exit_code
    except KeyboardInterrupt as exc:
        sys.stderr.write("interrupted\n")
        return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED
    except BrokenPipeError:
        # Whoever read the output stopped; flushing at exit would fail again, so what is
        # left goes nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # a bug: say so, and how to get the details
        if args.debug:
            sys.stderr.write(redact("".join(traceback.format_exception(exc))))
        sys.stderr.write(
            f"internal error: {type(exc).__name__}: {_shown(str(exc))}\n"
            "  hint: rerun with --debug for the traceback, and please report it\n"
        )
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(command())
