"""The lock file (the canonical IR the models were generated from) and ``schema_version.py``.

Both change only when the schema does: rerunning on an unchanged database rewrites nothing,
so ``LAST_SYNC`` is the time the schema last changed, not the time of the last run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from typing import TypeVar

import msgspec

from schemasync import __version__, ir
from schemasync.codegen.output import MARK, header
from schemasync.codegen.render import py_string
from schemasync.errors import ConfigError

__all__ = [
    "Lock",
    "LockHead",
    "full_lock",
    "next_lock",
    "next_version",
    "object_changes",
    "read_lock",
    "read_lock_head",
    "render_lock",
    "render_schema_version",
    "rendered_digest",
]

LOCK_FORMAT = 1


class _Fields(msgspec.Struct, frozen=True, kw_only=True):
    """What the lock file holds but its schema. Field order is the file's key order: the
    mark comes first, the schema (see :class:`Lock`) last."""

    generated_by: str
    format: int = LOCK_FORMAT
    schema_version: int
    last_sync: str
    hash: str
    #: What changed at the last sync, one line per object.
    differences: tuple[str, ...] = ()
    #: The targets the last sync emitted, so ``check`` can tell whether their files are
    #: current without being told again.
    emit: tuple[str, ...] = ()
    #: SHA-256 of what besides the schema decides the generated files (tool and plugin
    #: versions, settings, templates): while it holds, ``outputs`` says what they must be.
    fingerprint: str = ""
    #: SHA-256 of each generated file, by path relative to the project root.
    outputs: dict[str, str] = msgspec.field(default_factory=dict[str, str])
    #: SHA-256 of everything that decided ``schema`` when the source can tell without
    #: reading it (the ``migrations`` source: every file, the Supabase layer, the engine,
    #: the settings); while it holds, ``schema`` is what the source would read. Empty for
    #: sources that cannot tell (a live database).
    source_digest: str = ""
    #: SHA-256 of ``schema``'s JSON text exactly as the file holds it: while it holds, the
    #: file can be known to be what ``run`` writes without decoding the schema, most of it
    #: (see :func:`rendered_digest`). Empty in locks older than it.
    schema_digest: str = ""


class Lock(_Fields, frozen=True, kw_only=True):
    """What the lock file holds."""

    schema: ir.Schema


class LockHead(_Fields, frozen=True, kw_only=True, dict=True):
    """A lock read without building its schema: what the unchanged ``run`` and ``check``
    need, at a fraction of the time and memory of a :class:`Lock` on a large schema."""

    #: The schema's JSON text, as the file holds it.
    schema: msgspec.Raw

    @cached_property
    def summary(self) -> _Summary:
        """The few facts about the schema that are read without building it."""
        return msgspec.json.decode(self.schema, type=_Summary)


class _RelationKind(msgspec.Struct):
    kind: object = None
    partition_of: object = None


class _Summary(msgspec.Struct):
    """A schema's version and what ``schema_version.py`` counts; its other fields are
    skipped without being built."""

    ir_version: object = None
    relations: list[_RelationKind] = msgspec.field(default_factory=list[_RelationKind])
    enums: list[msgspec.Raw] = msgspec.field(default_factory=list[msgspec.Raw])


_Read = TypeVar("_Read", Lock, LockHead)
_T = TypeVar("_T")


def read_lock(path: Path) -> Lock | None:
    """The lock at ``path``; ``None`` when there is none yet.

    :raises ConfigError: the file exists but is not a lock this version can read.
    """
    return _read(path, Lock)


def read_lock_head(path: Path) -> LockHead | None:
    """The lock at ``path`` without its schema built; ``None`` when there is none yet.

    A lock this version cannot read is refused as :func:`read_lock` refuses it, but for a
    schema that is valid JSON and not a valid schema: that is found when it is decoded.

    :raises ConfigError: the file exists but is not a lock this version can read.
    """
    return _read(path, LockHead)


def full_lock(head: LockHead, path: Path) -> Lock:
    """``head`` with its schema decoded: the lock :func:`read_lock` reads from ``path``.

    :raises ConfigError: the schema is not one this version can read.
    """
    schema = _decoded(path, head.schema, lambda: msgspec.json.decode(head.schema, type=ir.Schema))
    fields = msgspec.structs.asdict(head)
    fields["schema"] = schema
    return Lock(**fields)


def _read(path: Path, kind: type[_Read]) -> _Read | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read the lock file {path}: {exc.strerror}") from exc

    def decode() -> tuple[_Read, object]:
        lock = msgspec.json.decode(data, type=kind)
        if isinstance(lock, LockHead):
            return lock, lock.summary.ir_version
        return lock, lock.schema.ir_version

    lock, ir_version = _decoded(path, data, decode)
    # A newer lock can also decode (the fields it added are ignored): refused all the same.
    _refuse_newer(path, lock.format, lock.generated_by, ir_version)
    return lock


def _decoded(path: Path, data: bytes | msgspec.Raw, decode: Callable[[], _T]) -> _T:
    """``decode()``, which decodes ``data`` (the lock at ``path``, or its schema), with what
    it finds wrong said as a :class:`ConfigError` naming the file."""
    restore = "restore it from version control, or delete it to start a new history"
    try:
        return decode()
    except msgspec.ValidationError as exc:
        # JSON, not shaped like a lock this version writes: a newer version's lock is said
        # to be one, whatever else is wrong with it.
        _refuse_newer(path, *_stamp(data))
        raise ConfigError(
            f"{path} is not a schemasync lock file this version can read ({exc})", hint=restore
        ) from exc
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path} is not a schemasync lock file this version can read (not UTF-8 JSON: {exc})",
            hint=restore,
        ) from exc


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


class _IRStamp(msgspec.Struct):
    ir_version: object = None


class _Stamp(msgspec.Struct):
    """The fields that say which version wrote a lock, whatever their type, and nothing
    else: decoding only these skips the rest without building it."""

    format: object = None
    generated_by: object = None
    #: Kept undecoded (a view of the bytes): only its ``ir_version`` is looked at.
    schema: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)


def _stamp(data: bytes | msgspec.Raw) -> tuple[object, object, object]:
    """The lock format, ``generated_by`` and IR version of a lock that did not decode, as
    far as they can be read (``None`` where they cannot)."""
    try:
        stamp = msgspec.json.decode(data, type=_Stamp)
    except msgspec.DecodeError:
        return None, None, None
    try:
        ir_version = msgspec.json.decode(stamp.schema or b"{}", type=_IRStamp).ir_version
    except msgspec.DecodeError:
        ir_version = None
    return stamp.format, stamp.generated_by, ir_version


def _refuse_newer(path: Path, lock_format: object, written_by: object, ir_version: object) -> None:
    """A lock written by a newer schemasync is refused rather than rewritten, which would lose
    what that version recorded."""
    newer: list[str] = []
    if isinstance(lock_format, int) and lock_format > LOCK_FORMAT:
        newer.append(f"lock format {lock_format} (this version reads {LOCK_FORMAT})")
    if isinstance(ir_version, int) and ir_version > ir.IR_VERSION:
        newer.append(f"IR version {ir_version} (this version reads {ir.IR_VERSION})")
    if isinstance(written_by, str) and written_by.startswith(MARK):
        tool = written_by.removeprefix(MARK).strip()
        if _version_key(tool) > _version_key(__version__):
            newer.append(f"schemasync {tool} (this is {__version__})")
    if newer:
        raise ConfigError(
            f"{path} was written by a newer schemasync: {', '.join(newer)}",
            hint="upgrade schemasync to at least the version that wrote it "
            "(pip install -U schemasync-core), or restore the lock from version control",
        )


def _objects(schema: ir.Schema) -> dict[str, object]:
    found: dict[str, object] = {}
    groups: Iterable[
        tuple[str, Iterable[ir.Enum | ir.Domain | ir.CompositeType | ir.RangeType]]
    ] = (
        ("enum", schema.enums),
        ("domain", schema.domains),
        ("composite type", schema.composite_types),
        ("range type", schema.range_types),
    )
    for label, items in groups:
        for item in items:
            found[f"{label} {item.schema}.{item.name}"] = item
    for rel in schema.relations:
        found[f"{rel.kind.replace('_', ' ')} {rel.qualified_name}"] = rel
    for fn in schema.functions:
        found[f"{fn.kind} {fn.schema}.{fn.name}({fn.identity_arguments})"] = fn
    return found


def object_changes(old: ir.Schema | None, new: ir.Schema) -> tuple[str, ...]:
    """One line per object added, removed or changed between ``old`` and ``new``."""
    before = _objects(old) if old is not None else {}
    after = _objects(new)
    lines = [f"added {key}" for key in after if key not in before]
    lines += [f"removed {key}" for key in before if key not in after]
    lines += [f"changed {key}" for key in after if key in before and before[key] != after[key]]
    return tuple(sorted(lines, key=lambda line: line.split(" ", 1)[1]))


def next_version(previous: Lock | None, schema_hash: str) -> int:
    """The schema version a sync of a schema with ``schema_hash`` records."""
    if previous is None:
        return 1
    return previous.schema_version + (previous.hash != schema_hash)


def next_lock(
    previous: Lock | None,
    schema: ir.Schema,
    schema_hash: str,
    tool_version: str,
    now: dt.datetime,
    *,
    emit: tuple[str, ...] = (),
    fingerprint: str = "",
    outputs: dict[str, str] | None = None,
    source_digest: str = "",
) -> Lock:
    """The lock after a sync: ``previous`` itself when nothing changed; when only the
    targets, their files or the source digest changed, the schema version and sync time
    stay."""
    outputs = outputs or {}
    if previous is not None and previous.hash == schema_hash:
        # Digested again, not trusted: the previous lock's field may be missing (an older
        # lock) or wrong (an edit), and a lock is only ever written with the right one.
        schema_digest = _schema_digest(previous.schema)
        recorded = (
            previous.emit,
            previous.fingerprint,
            previous.outputs,
            previous.source_digest,
            previous.schema_digest,
        )
        if recorded == (emit, fingerprint, outputs, source_digest, schema_digest):
            return previous
        return msgspec.structs.replace(
            previous,
            emit=emit,
            fingerprint=fingerprint,
            outputs=outputs,
            source_digest=source_digest,
            schema_digest=schema_digest,
        )
    canonical = ir.canonicalize(schema)
    return Lock(
        # The mark write_files looks for before it overwrites a file.
        generated_by=f"{MARK} {tool_version}",
        schema_version=next_version(previous, schema_hash),
        last_sync=now.astimezone(dt.timezone.utc).isoformat(timespec="seconds"),
        hash=schema_hash,
        differences=object_changes(previous.schema if previous else None, schema),
        emit=emit,
        fingerprint=fingerprint,
        outputs=outputs,
        source_digest=source_digest,
        schema_digest=_schema_digest(canonical),
        schema=canonical,
    )


def render_lock(lock: Lock | LockHead) -> bytes:
    """The lock file's bytes: formatted JSON, the same for the same lock."""
    return msgspec.json.format(msgspec.json.encode(lock), indent=2) + b"\n"


def _sha256(data: bytes | msgspec.Raw) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _schema_digest(schema: ir.Schema) -> str:
    """What ``schema_digest`` records for ``schema``: the digest of its text as
    :func:`render_lock` lays it out, one level deep (each line after the first indented by
    two more spaces; a newline is never inside a JSON string)."""
    text = msgspec.json.format(msgspec.json.encode(schema), indent=2)
    whole = hashlib.sha256()
    # Indented a piece at a time: the text of 5,000 tables is tens of megabytes, and an
    # indented copy of it whole would be the largest thing a run holds.
    for start in range(0, len(text), _PIECE):
        whole.update(text[start : start + _PIECE].replace(b"\n", b"\n  "))
    return "sha256:" + whole.hexdigest()


_PIECE = 1 << 20


def rendered_digest(lock: Lock | LockHead, path: Path) -> str:
    """The digest of the lock file ``run`` writes for ``lock`` (read from ``path``): its
    fields as they are, ``schema_digest`` as it must be.

    A head whose schema text is the one its ``schema_digest`` records is not decoded: that
    text is what :func:`render_lock` wrote, and only the rest is laid out again. This holds
    for a lock written by this very code only (another version may lay out the same schema
    otherwise): the caller has checked the fingerprint, which covers the code.

    :raises ConfigError: the schema, decoded after all, is not one this version can read.
    """
    if isinstance(lock, LockHead):
        known = _verified_digest(lock)
        if known is not None:
            return known
        lock = full_lock(lock, path)
    return _sha256(
        render_lock(msgspec.structs.replace(lock, schema_digest=_schema_digest(lock.schema)))
    )


def _verified_digest(head: LockHead) -> str | None:
    """:func:`rendered_digest` of ``head`` from its schema's text, if that is the recorded
    one; ``None`` when it is not (an older lock, an edit)."""
    text = head.schema
    if not head.schema_digest or _sha256(text) != head.schema_digest:
        return None
    # The rest is laid out around a placeholder schema: the last field, so its "0" is the
    # file's last but for the closing brace.
    before, _, after = render_lock(
        msgspec.structs.replace(head, schema=msgspec.Raw(b"0"))
    ).rpartition(b"0")
    whole = hashlib.sha256(before)
    whole.update(text)
    whole.update(after)
    return "sha256:" + whole.hexdigest()


def _counts(lock: Lock | LockHead) -> tuple[int, int]:
    """What ``schema_version.py`` counts: tables (partitions count with their parent), enums."""
    if isinstance(lock, LockHead):
        summary = lock.summary
        tables = sum(
            1
            for rel in summary.relations
            if rel.kind not in ir.VIEW_KINDS and rel.partition_of is None
        )
        return tables, len(summary.enums)
    schema = lock.schema
    return sum(1 for t in schema.tables if t.partition_of is None), len(schema.enums)


def render_schema_version(lock: Lock | LockHead, tool_version: str) -> bytes:
    """``schema_version.py``: constants describing the schema the models came from."""
    tables, enums = _counts(lock)
    lines = "".join(f"    {py_string(line)},\n" for line in lock.differences)
    differences = f"(\n{lines})" if lines else "()"
    text = (
        header(tool_version) + '"""The database schema the generated models were made from."""\n\n'
        "from typing import Final\n\n"
        "#: Increases by one each time the schema changes.\n"
        f"SCHEMA_VERSION: Final = {lock.schema_version}\n"
        "#: When the schema last changed (UTC, ISO 8601).\n"
        f"LAST_SYNC: Final = {py_string(lock.last_sync)}\n"
        "#: SHA-256 of the canonical schema.\n"
        f"DB_HASH: Final = {py_string(lock.hash)}\n"
        "#: Tables, partitioned and foreign tables; partitions count with their parent.\n"
        f"TABLES_COUNT: Final = {tables}\n"
        f"ENUMS_COUNT: Final = {enums}\n"
        "#: What changed at the last sync, one line per object.\n"
        f"LAST_SYNC_DIFFERENCES: Final[tuple[str, ...]] = {differences}\n"
    )
    return text.encode()
