"""The plugin host: finds plugins through entry points and looks up what they register.

Everything, the core's own defaults included, arrives through the ``schemasync`` entry-point
group. Entry points load one at a time, so a plugin that fails to import is reported (name,
distribution, version, error) while the others keep working.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, TypeVar, cast

import pluggy

from schemasync import __version__, hookspecs
from schemasync.api import Command, Emitter, Normalizer, Source
from schemasync.errors import PluginError

__all__ = [
    "ACTION",
    "BLOCK_ENV",
    "ENTRY_POINT_GROUP",
    "KNOWN_EMITTER_PACKAGES",
    "REPOSITORY_URL",
    "PluginHost",
    "PluginInfo",
    "code_digests",
    "install_hint",
    "load_plugins",
]

ENTRY_POINT_GROUP = "schemasync"
#: Comma-separated entry-point or distribution names that must not be loaded.
BLOCK_ENV = "SCHEMASYNC_DISABLE_PLUGINS"
CORE_DISTRIBUTION = "schemasync-core"

#: First-party emitters and the distribution that provides each, so that asking for one
#: that is not installed can say what to install.
KNOWN_EMITTER_PACKAGES = {
    "typeddict": "schemasync-typeddict",
    "pydantic": "schemasync-pydantic",
    "msgspec": "schemasync-msgspec",
    "docs": "schemasync-docs",
}
#: Where the packages are published until they are on PyPI: the repository, in which each
#: distribution is the folder ``packages/NAME``. Install commands in messages use it.
REPOSITORY_URL = "https://github.com/OWNER/schemasync"
#: The GitHub Action of that repository (``action.yml`` at its root), as workflows use it.
ACTION = "OWNER/schemasync@main"


def code_digests(
    host: PluginHost, objects: Iterable[object], hooks: Iterable[str]
) -> dict[str, str]:
    """The SHA-256 of every file (code and templates) of the top-level packages that
    ``objects`` (emitters, sources, normalizers...) and the plugins implementing any of
    ``hooks`` come from, the core's included, by path from each package's parent folder.

    The files are digested, not only the versions: an editable or patched install changes
    what a plugin produces without a new version number.
    """
    wanted = set(hooks)
    modules = [type(o).__module__ for o in objects] + [
        p.module.partition(":")[0] for p in host.plugins if wanted.intersection(p.hooks)
    ]
    found: dict[str, str] = {}
    for name in sorted({"schemasync", *(m.partition(".")[0] for m in modules)}):
        found.update(_package_digests(name))
    return found


@functools.cache
def _package_digests(name: str) -> dict[str, str]:
    """:func:`code_digests` of one imported top-level package or module. Kept for the
    process: its code is what was imported, whatever happens to the files later."""
    top = sys.modules.get(name)
    if top is None or top.__file__ is None:  # not imported, or a namespace package
        return {}
    location = Path(top.__file__)
    # A module alone (a plugin in a single file) is that file; a package, its folder.
    package = hasattr(top, "__path__")
    files = sorted(location.parent.rglob("*")) if package else [location]
    base = location.parent.parent if package else location.parent
    return {
        path.relative_to(base).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in files
        if path.is_file() and "__pycache__" not in path.parts
    }


def install_hint(distribution: str) -> str:
    """How to install a first-party distribution today: from a clone or from the git URL."""
    return (
        f"install it beside schemasync-core: from a clone of the repository, "
        f"pip install ./packages/{distribution}; or from git, pip install "
        f'"{distribution} @ git+{REPOSITORY_URL}#subdirectory=packages/{distribution}"'
        f" (once released on PyPI: pip install {distribution})"
    )


Status = Literal["loaded", "failed", "blocked"]


@dataclass(frozen=True)
class PluginInfo:
    """What ``schemasync plugins`` shows for one entry point."""

    name: str
    distribution: str
    version: str
    module: str
    status: Status
    builtin: bool
    hooks: tuple[str, ...] = ()
    error: str | None = None


_N = TypeVar("_N", Source, Normalizer, Emitter, Command)


@dataclass
class PluginHost:
    """A loaded plugin manager plus the registries built from its registration hooks."""

    manager: pluggy.PluginManager
    plugins: list[PluginInfo] = field(default_factory=list[PluginInfo])

    @property
    def hook(self) -> pluggy.HookRelay:
        """Call hooks: ``host.hook.schemasync_name(request=...)``."""
        return self.manager.hook

    def register(self, plugin: object, name: str) -> None:
        """Register an in-process plugin (a module or an object with hook implementations)."""
        self.manager.register(plugin, name=name)
        self.manager.check_pending()

    def decider(self, hook_name: str) -> Callable[[object], Any]:
        """A callable asking a ``firstresult`` hook that takes one ``request`` argument.

        Emitters ask naming and type-mapping hooks tens of thousands of times a run. When a
        single implementation is registered (the core's default, usually), it is called
        directly: the answer is the same, without pluggy's per-call overhead.
        """
        caller: pluggy.HookCaller = getattr(self.manager.hook, hook_name)
        impls = caller.get_hookimpls()
        if len(impls) == 1 and not impls[0].hookwrapper and not impls[0].wrapper:
            function = impls[0].function
            return lambda request: function(request=request)
        return lambda request: caller(request=request)

    def sources(self) -> dict[str, Source]:
        """Every registered source by name."""
        return self._registry("source", Source, self.manager.hook.schemasync_sources)

    def source(self, name: str) -> Source:
        """The source called ``name``; :class:`PluginError` listing the choices if none."""
        sources = self.sources()
        if name not in sources:
            known = ", ".join(sorted(sources)) or "none"
            raise PluginError(f"no source named {name!r} is installed (available: {known})")
        return sources[name]

    def normalizers(self) -> list[Normalizer]:
        """Every registered normalizer, in the order they run."""
        found = self._registry("normalizer", Normalizer, self.manager.hook.schemasync_normalizers)
        return sorted(found.values(), key=lambda n: (n.order, n.name))

    def emitters(self) -> dict[str, Emitter]:
        """Every registered emitter by name."""
        return self._registry("emitter", Emitter, self.manager.hook.schemasync_emitters)

    def emitter(self, name: str) -> Emitter:
        """The emitter called ``name``; says which package to install when it is missing."""
        emitters = self.emitters()
        if name in emitters:
            return emitters[name]
        package = KNOWN_EMITTER_PACKAGES.get(name)
        installed = ", ".join(sorted(emitters)) or "none"
        if package:
            raise PluginError(
                f"the {name!r} emitter is not installed (installed emitters: {installed})",
                hint=install_hint(package),
            )
        import difflib

        close = difflib.get_close_matches(name, sorted({*emitters, *KNOWN_EMITTER_PACKAGES}), 1)
        raise PluginError(
            f"no emitter named {name!r} is installed (installed emitters: {installed})",
            hint=f"did you mean `{close[0]}`?" if close else None,
        )

    def commands(self) -> dict[str, Command]:
        """Every subcommand plugins register, by name."""
        return self._registry("command", Command, self.manager.hook.schemasync_commands)

    def _registry(self, what: str, kind: type[_N], caller: pluggy.HookCaller) -> dict[str, _N]:
        # Each implementation is called on its own so a clash can name both plugins.
        found: dict[str, _N] = {}
        owner: dict[str, str] = {}
        for impl in reversed(caller.get_hookimpls()):
            # Pluggy itself skips None results; a registration hook may return None too.
            for item in cast("Iterable[object] | None", impl.function()) or ():
                if not isinstance(item, kind):
                    raise PluginError(
                        f"plugin {impl.plugin_name!r} registered {item!r} as a {what}, "
                        f"but it is not a {kind.__module__}.{kind.__qualname__}"
                    )
                if item.name in found:
                    raise PluginError(
                        f"two plugins register a {what} named {item.name!r}: "
                        f"{owner[item.name]!r} and {impl.plugin_name!r}",
                        hint=f"uninstall one, or block it with {BLOCK_ENV}",
                    )
                found[item.name] = item
                owner[item.name] = impl.plugin_name
        return found


def _canonical(name: str) -> str:
    """PEP 503 form, so ``My_Plugin`` blocks the distribution ``my-plugin``."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def _blocked_names() -> set[str]:
    raw = os.environ.get(BLOCK_ENV, "")
    return {_canonical(part) for part in raw.split(",") if part.strip()}


def _distribution(ep: EntryPoint) -> tuple[str, str]:
    dist = ep.dist
    if dist is None:
        return ("unknown", "unknown")
    return (dist.metadata["Name"] or dist.name, dist.version)


def _hooks_of(manager: pluggy.PluginManager, plugin: object) -> tuple[str, ...]:
    callers = manager.get_hookcallers(plugin) or []
    return tuple(sorted(caller.name for caller in callers))


def _load_one(manager: pluggy.PluginManager, ep: EntryPoint, blocked: set[str]) -> PluginInfo:
    dist_name, version = _distribution(ep)
    builtin = dist_name == CORE_DISTRIBUTION

    def info(status: Status, hooks: Sequence[str] = (), error: str | None = None) -> PluginInfo:
        return PluginInfo(
            name=ep.name,
            distribution=dist_name,
            version=version,
            module=ep.value,
            status=status,
            builtin=builtin,
            hooks=tuple(hooks),
            error=error,
        )

    if _canonical(ep.name) in blocked or _canonical(dist_name) in blocked:
        return info("blocked")
    if manager.has_plugin(ep.name):
        return info("failed", error=f"another plugin is already registered as {ep.name!r}")
    try:
        plugin = ep.load()
        manager.register(plugin, name=ep.name)
        # Unknown ``schemasync_*`` hooks (a typo, or a newer API) are caught per plugin so
        # only that plugin is dropped.
        manager.check_pending()
    except Exception as exc:  # a plugin's import can raise anything
        if manager.has_plugin(ep.name):
            manager.unregister(name=ep.name)
        # On one line: the CLI prints it as a one-line warning, and some messages (pluggy's
        # "already registered under a different name") span several.
        message = " ".join(f"{type(exc).__name__}: {exc}".split())
        return info("failed", error=f"{message} (schemasync {__version__})")
    return info("loaded", hooks=_hooks_of(manager, plugin))


def load_plugins(
    extra: Sequence[tuple[str, ModuleType | object]] = (),
    *,
    discover: Callable[[], Iterable[EntryPoint]] | None = None,
) -> PluginHost:
    """Create the plugin manager and load every ``schemasync`` entry point.

    :param extra: ``(name, plugin)`` pairs registered after the entry points (in-process
        plugins, tests).
    :param discover: where entry points come from; defaults to the installed distributions.
    :returns: the host, with a :class:`PluginInfo` for every entry point seen.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    found = discover() if discover else entry_points(group=ENTRY_POINT_GROUP)
    blocked = _blocked_names()
    # Sorted so that load order, and so hook call order among equals, is reproducible.
    infos = [_load_one(manager, ep, blocked) for ep in sorted(found, key=lambda e: e.name)]
    host = PluginHost(manager=manager, plugins=infos)
    for name, plugin in extra:
        host.register(plugin, name)
    return host
