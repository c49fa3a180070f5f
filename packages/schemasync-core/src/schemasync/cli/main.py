"""The ``schemasync`` command line.

Exit codes (documented in docs/cli.md): 0 success, 1 drift or lint problems found, 2 usage,
3 config, 4 database connection, 5 introspection, 6 plugin, 7 throwaway server, 8 output,
9 a migration failed, 70 a bug, 130 interrupted, 143 terminated.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from schemasync import __version__, ir
from schemasync.api import Command
from schemasync.changes import Severity
from schemasync.config import load_config
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
    UsageError,
)
from schemasync.pipeline import SourceChoice, read_schema
from schemasync.plugins import BLOCK_ENV, PluginHost, load_plugins
from schemasync.redact import redact

if TYPE_CHECKING:
    from schemasync.drift.check import CheckResult

__all__ = ["main"]

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
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
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
        command.set_defaults(handler=handler)

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
        group.add_argument(
            "--step-summary",
            action="store_true",
            help="also append to the file in $GITHUB_STEP_SUMMARY",
        )


def _drift(args: argparse.Namespace, host: PluginHost) -> CheckResult:
    from schemasync.drift.check import check

    config = load_config(args.config)
    reader = None if args.offline else (lambda: read_schema(host, config, _source_choice(args)))
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
    result = _drift(args, host)
    out.write(_render(result, args.format, out, detail=False))
    return EXIT_DRIFT if result.failed else EXIT_OK


def _diff(args: argparse.Namespace, host: PluginHost, out: TextIO) -> int:
    out.write(_render(_drift(args, host), args.format, out, detail=True))
    return EXIT_OK


def _report(args: argparse.Namespace, host: PluginHost, out: TextIO) -> int:
    from schemasync.codegen.output import PlannedFile, write_atomically

    text = _render(_drift(args, host), args.format, out, detail=True)
    if args.output:
        write_atomically(PlannedFile(args.output, text.encode()))
    else:
        out.write(text)
    if args.step_summary:
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if not summary:
            raise UsageError(
                "--step-summary needs GITHUB_STEP_SUMMARY, which GitHub Actions sets",
                hint="run it inside a workflow step, or use --output FILE",
            )
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(text)
    return EXIT_OK


def _install_hook(args: argparse.Namespace, host: PluginHost, out: TextIO) -> int:
    from schemasync.cli.githook import install_hook, uninstall_hook

    path = uninstall_hook(Path.cwd()) if args.uninstall else install_hook(Path.cwd())
    out.write(f"{'removed' if args.uninstall else 'installed'} {path}\n")
    return EXIT_OK


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
            out.write(f"{rel.qualified_name}\t{kind}\t{len(rel.columns)} columns\n")
    elif args.enums:
        for enum in schema.enums:
            out.write(f"{enum.schema}.{enum.name}\t{', '.join(enum.labels)}\n")
    else:
        out.write(ir.encode_schema(schema).decode())
    return EXIT_OK


def _run(args: argparse.Namespace, host: PluginHost, out: TextIO) -> int:
    from schemasync.codegen.generate import choose_emitters, run

    config = load_config(args.config)
    requested = [name.strip() for name in args.emit.split(",") if name.strip()]
    emitters = choose_emitters(host, config, requested)
    schema = read_schema(host, config, _source_choice(args))
    result = run(host, config, schema, emitters)
    root = config.root
    for path in result.written.written:
        out.write(f"wrote {path.relative_to(root) if path.is_relative_to(root) else path}\n")
    out.write(
        f"{len(result.written.written)} written, {len(result.written.unchanged)} unchanged; "
        f"schema version {result.schema_version} ({result.schema_hash[:19]})\n"
    )
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


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {redact(record.getMessage())}"


def _setup_logging(debug: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG if debug else logging.INFO)
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
    _setup_logging(args.debug)
    handler: Callable[[argparse.Namespace, PluginHost, TextIO], int] = args.handler
    try:
        _report_failed_plugins(host)
        return handler(args, host, out or sys.stdout)
    except SchemasyncError as exc:
        if args.debug:
            sys.stderr.write(redact("".join(traceback.format_exception(exc))))
        sys.stderr.write(f"error: {redact(exc.message)}\n")
        if exc.hint:
            sys.stderr.write(f"  hint: {redact(exc.hint)}\n")
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
            f"internal error: {type(exc).__name__}: {redact(str(exc))}\n"
            "  hint: rerun with --debug for the traceback, and please report it\n"
        )
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
