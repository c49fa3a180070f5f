"""Templates: jinja2 environments with the filters every emitter's templates use.

An emitter ships its templates in its package; a user can override any of them from the
folder named by the target's ``templates`` option (files found there win, name by name).
The filters make database text safe to place in generated code: nothing a comment, a
label or a name holds can end a string literal or a docstring early.
"""

from __future__ import annotations

import functools
import gc
import re
import sys
from collections.abc import Callable, Generator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

__all__ = ["collected_once", "docstring", "environment", "py_string", "py_tuple", "trim_memory"]


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_SINGLE_QUOTED = {**_ESCAPES, '"': '"', "'": "\\'"}
#: Printable ASCII but the quote and the backslash: text that needs no escaping at all (the
#: common case, checked in one pass instead of character by character).
_PLAIN = re.compile(r"[ !#-\[\]-~]*")
_PLAIN_LINES = re.compile(r"[\n !#-\[\]-~]*")


def _escape_code(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def py_string(text: str) -> str:
    """A Python string literal holding exactly ``text``, in the quotes ruff prefers.

    Quotes, backslashes and every non-printable character (controls, bidi overrides, line
    separators) are escaped, so the literal is one line and shows what it holds.
    """
    if _PLAIN.fullmatch(text):
        return f'"{text}"'
    # ruff's choice: double quotes, unless the text holds more of them than single ones.
    quote = "'" if text.count('"') > text.count("'") else '"'
    escapes = _ESCAPES if quote == '"' else _SINGLE_QUOTED
    escaped = "".join(escapes.get(c) or (c if c.isprintable() else _escape_code(c)) for c in text)
    return f"{quote}{escaped}{quote}"


def py_tuple(items: Sequence[str]) -> str:
    """A Python tuple literal of the strings ``items``, each as :func:`py_string` writes
    it: ``("a", "b")``, ``("a",)``, ``()``. A filter, not a template macro: tables of
    foreign keys write two a key, and a macro call costs many times more."""
    inner = ", ".join(map(py_string, items))
    return f"({inner},)" if len(items) == 1 else f"({inner})"


def _escape_char(char: str) -> str:
    if char == "\n":
        return char
    if char in _ESCAPES:
        return _ESCAPES[char]
    # Control and format characters (NUL, bidi overrides, separators) are spelled out so
    # they neither break the file nor hide in it.
    return char if char.isprintable() else _escape_code(char)


def docstring(text: str, indent: int = 4) -> str:
    """A triple-quoted docstring literal for ``text``, lines indented by ``indent`` spaces.

    Backslashes and double quotes are escaped, so the text can never close the literal;
    control characters are written as escapes.
    """
    body = text.strip()
    if not _PLAIN_LINES.fullmatch(body):
        body = "".join(_escape_char(c) for c in body)
    pad = " " * indent
    lines = body.split("\n")
    if len(lines) == 1:
        return f'"""{body}"""'
    # Lines lose trailing spaces, and blank lines stay empty: no trailing whitespace at all.
    rest = "".join(f"\n{pad}{line}" if line else "\n" for line in map(str.rstrip, lines[1:]))
    return f'"""{lines[0].rstrip()}{rest}\n{pad}"""'


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs in the user's cache folder, so a run does not
    compile every template again (jinja2 checks each template's source against its entry,
    so an edited or overriding template is compiled afresh). ``None`` when there is no
    writable cache folder: templates are then compiled in memory, as without a cache."""
    import jinja2

    from schemasync import __version__
    from schemasync.config import cache_folder

    folder = cache_folder(f"templates-{__version__}")
    return None if folder is None else jinja2.FileSystemBytecodeCache(str(folder))


def environment(package: str, override: Path | None = None) -> jinja2.Environment:
    """A jinja2 environment loading ``package``'s ``templates`` folder, ``override`` first.

    Filters: ``py_string`` (an exact Python string literal), ``py_tuple`` (a tuple literal
    of such strings), ``py_repr`` (``repr``, for literals of lists and tuples of strings),
    ``docstring(indent)`` (a safe docstring).
    """
    # Imported here: commands that render nothing (check --offline) skip its import cost.
    import jinja2

    loaders: list[jinja2.BaseLoader] = []
    if override is not None:
        loaders.append(jinja2.FileSystemLoader(override))
    loaders.append(jinja2.PackageLoader(package, "templates"))
    # Snippets every target shares (the JSON alias, psycopg registration).
    loaders.append(jinja2.PackageLoader("schemasync.codegen", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        bytecode_cache=_bytecode_cache(),
        autoescape=False,  # Python source, not HTML: escaping is done by the filters.
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # one run, one environment: no need to stat a template per use
    )
    env.filters["py_string"] = py_string
    env.filters["py_tuple"] = py_tuple
    env.filters["py_repr"] = repr
    env.filters["docstring"] = docstring
    return env


@contextmanager
def collected_once() -> Generator[None, None, None]:
    """Hold off the cyclic garbage collector while a target renders, then collect the
    reference cycles it left, once, and hand the memory it freed back (:func:`trim_memory`).

    Rendering makes objects by the hundred thousand (the models of every table) that live
    until the target is done, so the collections their making sets off find nothing and,
    at 5,000 tables, took a tenth of a first run. Templates do make cycles (a macro and
    the context it was made in refer to each other), collected here, with the objects
    alive before the target frozen meanwhile (:func:`gc.freeze`) so that this collection
    goes over the target's objects only. A caller that paused the collector finds it
    paused still, and nothing collected; one that froze objects of its own (an application
    calling schemasync) finds them frozen still, and the collection goes over all the rest.
    """
    if not gc.isenabled():
        yield
        return
    # Unfreezing thaws every frozen object: only objects this call froze may be frozen.
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        if freeze:
            gc.unfreeze()
        gc.enable()
        trim_memory()


def trim_memory() -> None:
    """Hand the memory that rendering freed back to the system, where the C library can
    (glibc's ``malloc_trim``). Freed memory otherwise stays with the process, and what
    comes next (another target's largest module, the lock: tens of megabytes each at
    5,000 tables) would be laid on top of it. It takes a few milliseconds."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``; ``None`` on other systems and C libraries."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        function = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # musl has none
        return None
    function.argtypes = [ctypes.c_size_t]
    function.restype = ctypes.c_int
    return function
