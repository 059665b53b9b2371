"""JavaScript/TypeScript module specifier and call resolution over the recorded lookups.

Relative specifiers are probed with extensions and `index.*`; bare specifiers go through the
nearest `tsconfig.json`/`jsconfig.json` (`extends`, `baseUrl`, `paths`), then the packages of
the repository (a workspace of a package.json above, or the importing package itself: its
`exports`, else `types`/`typings`/`module`/`main`/`source`, each target tried until one is an
indexed file), else they are external.
A probe of one base path is one `jsmod` lookup (see probes.py).
Names resolve to bindings (bindings.py), one at a time, when used.
"""
from __future__ import annotations

import functools
import posixpath
import re

from aud_git.extract.facts import WHOLE_MODULE
from aud_git.link.bindings import Binding, Definition, ModuleRef
from aud_git.link.lookups import Lookups
from aud_git.link.typed_calls import TypedCalls

_CONFIG_NAMES = ("tsconfig.json", "jsconfig.json")
MAX_WILDCARDS = 4  # in one workspace pattern (`packages/*/libs/**` has two)
MAX_EXTENDS = 32


def _normalize(path: str) -> str | None:
    """A repository-relative path, or None when it leaves the repository."""
    normal = posixpath.normpath(path) if path else "."
    if normal == ".":
        return ""
    if normal == ".." or normal.startswith("../") or normal.startswith("/"):
        return None
    return normal


class JsLinker(TypedCalls):
    declares_shapes = True

    def __init__(self, lk: Lookups) -> None:
        self.lk = lk

    # -- module specifiers -----------------------------------------------------------------
    def probe_file(self, base: str) -> str | None:
        return self.lk.shared(("js-file", base), lambda: self._probe_file(base))

    def _probe_file(self, base: str) -> str | None:
        return self.lk.probe("jsmod", base)

    def config_for(self, directory: str):
        return self.lk.shared(("js-config-dir", directory), lambda: self._config_for(directory))

    def _config_for(self, directory: str):
        while True:
            for name in _CONFIG_NAMES:
                path = posixpath.join(directory, name)
                if self.lk.exists(path):
                    return self.load_config(path, ())
            if not directory:
                return None
            directory = posixpath.dirname(directory)

    def load_config(self, path: str, seen: tuple[str, ...]):
        """(baseUrl directory or None, paths or None, directory `paths` are relative to).

        At most MAX_EXTENDS configurations are followed up an `extends` chain."""
        config = self.lk.ts_config(path)
        if config is None:
            return None
        base_url, paths, extends = config
        directory = posixpath.dirname(path)
        inherited = None
        if extends and extends.startswith("."):
            parent = _normalize(posixpath.join(directory, extends))
            if parent is not None and not parent.endswith(".json"):
                parent += ".json"
            if (parent is not None and parent not in seen and len(seen) < MAX_EXTENDS
                    and self.lk.exists(parent)):
                inherited = self.load_config(parent, (*seen, path))
        base = _normalize(posixpath.join(directory, base_url)) if base_url is not None else None
        if base is None and base_url is None and inherited is not None:
            base = inherited[0]
        if paths is not None:
            return base, paths, base if base is not None else directory
        if inherited is not None:
            return base, inherited[1], inherited[2]
        return base, None, directory

    def resolve_specifier(self, file: str, specifier: str) -> tuple[str | None, str]:
        directory = posixpath.dirname(file)
        return self.lk.shared(
            ("js-spec", directory, specifier), lambda: self._resolve(directory, specifier),
            unresolved=(None, "unresolved"),
        )

    def _resolve(self, directory: str, specifier: str) -> tuple[str | None, str]:
        if specifier in (".", "..") or specifier.startswith(("./", "../", "/")):
            base = None if specifier.startswith("/") else _normalize(posixpath.join(directory, specifier))
            target = self.probe_file(base) if base is not None else None
            return (target, "file") if target else (None, "unresolved")
        config = self.config_for(directory)
        if config is not None:
            base, paths, paths_base = config
            for prefix, suffix, targets in _matching_patterns(paths or {}, specifier):
                star = specifier[len(prefix): len(specifier) - len(suffix)]
                for target in targets:
                    candidate = _normalize(posixpath.join(paths_base, target.replace("*", star, 1)))
                    found = self.probe_file(candidate) if candidate is not None else None
                    if found:
                        return found, "file"
            if base is not None:
                candidate = _normalize(posixpath.join(base, specifier))
                found = self.probe_file(candidate) if candidate is not None else None
                if found:
                    return found, "file"
        found = self.package_module(directory, specifier)
        return (found, "file") if found else (None, "external")

    # -- packages of the repository ----------------------------------------------------------
    def package_module(self, directory: str, specifier: str) -> str | None:
        """A bare specifier that names a package of the repository: the importing package's own
        name (when its `exports` allow it), or a workspace of a package.json above."""
        name, subpath = _package_specifier(specifier)
        if name is None:
            return None
        for index, manifest in enumerate(self.manifests_above(directory)):
            package = self.lk.package(manifest)
            if package is None:
                continue
            own_name, workspaces, _, sealed = package
            if index == 0 and own_name == name and sealed:
                return self.package_entry(manifest, subpath)
            if workspaces:
                root = posixpath.dirname(manifest)
                members = [m for m in self.lk.packages_named(name)
                           if _in_workspaces(root, posixpath.dirname(m), workspaces)]
                if len(members) > 1:
                    return None  # two workspaces of one name: npm refuses them
                if members:
                    return self.package_entry(members[0], subpath)
        return None

    def manifests_above(self, directory: str) -> tuple[str, ...]:
        """The package.json files from `directory` up to the root, nearest first."""
        return self.lk.shared(("js-manifests", directory),
                              lambda: self._manifests_above(directory), unresolved=())

    def _manifests_above(self, directory: str) -> tuple[str, ...]:
        found = []
        while True:
            manifest = posixpath.join(directory, "package.json")
            if self.lk.exists(manifest):
                found.append(manifest)
            if not directory:
                return tuple(found)
            directory = posixpath.dirname(directory)

    def package_entry(self, manifest: str, subpath: str) -> str | None:
        """The indexed file a package offers at `subpath`: its targets tried in order."""
        package = self.lk.package(manifest)
        if package is None:
            return None
        _, _, entries, sealed = package
        targets = entries.get(subpath)
        if targets is None:
            targets = _pattern_targets(entries, subpath)
        if targets is None:
            if sealed:
                return None
            targets = (subpath,) if subpath != "." else ("./index",)
        directory = posixpath.dirname(manifest)
        for target in targets:
            candidate = _normalize(posixpath.join(directory, target))
            found = self.probe_file(candidate) if candidate else None
            if found:
                return found
        return None

    def import_links(self, file: str) -> list[tuple]:
        rows = []
        for line, col, _kind, module, name, _alias, _level in self.lk.own_imports():
            if module is None:
                continue
            target, resolution = self.resolve_specifier(file, module)
            rows.append((line, col, module, name, target, resolution))
        return rows

    # -- names and exports -----------------------------------------------------------------
    def head(self, path: str, name: str) -> Binding | None:
        candidates = self.lk.name(path, name)
        if not candidates or len(candidates) != 1:
            return None
        (candidate,) = candidates
        if candidate[0] == "symbol":
            return Definition(path, candidate[1], candidate[2])
        _, module, imported = candidate
        target = self.resolve_specifier(path, module)[0]
        if target is None:
            return None
        if imported == "*":
            return ModuleRef(target)
        if imported is None:  # `const m = require(...)`, `import m = require(...)`
            return self.module_value(target)
        return self.export_of(target, imported)

    def module_value(self, path: str) -> Binding | None:
        """What `require()` of a module gives: the value `module.exports = X` (TypeScript's
        `export = X`) assigns, else the module and its exports."""
        if self.lk.export(path, WHOLE_MODULE) is not None:
            return self.export_of(path, WHOLE_MODULE)
        return ModuleRef(path)

    def export_of(self, path: str, name: str) -> Binding | None:
        return self.lk.shared(("js-export", path, name), lambda: self._export_of(path, name))

    def _export_of(self, path: str, name: str) -> Binding | None:
        entry = self.lk.export(path, name)
        if entry is not None:
            if entry[0] == "local":
                return self.head(path, entry[1]) if entry[1] is not None else None
            _, module, imported = entry
            target = self.resolve_specifier(path, module)[0]
            if target is None:
                return None
            return ModuleRef(target) if imported == "*" else self.export_of(target, imported)
        if name == "default":  # a default import of a CommonJS module: what it assigns
            return self.export_of(path, WHOLE_MODULE) if self.lk.export(path, WHOLE_MODULE) else None
        if name == WHOLE_MODULE:
            return None  # never re-exported by `export *`
        results: set[Binding | None] = set()
        for module in self.lk.stars(path):
            target = self.resolve_specifier(path, module)[0]
            if target is not None:
                results.add(self.export_of(target, name))
        results.discard(None)
        return results.pop() if len(results) == 1 else None

    def module_member(self, module: ModuleRef, name: str) -> Binding | None:
        return self.export_of(module.path, name)


def _package_specifier(specifier: str) -> tuple[str | None, str]:
    """`@scope/pkg/a/b` -> (`@scope/pkg`, `./a/b`); `pkg` -> (`pkg`, `.`); (None, ...) for what
    names no package (`node:fs`, a URL, an empty scope)."""
    parts = specifier.split("/")
    count = 2 if specifier.startswith("@") else 1
    if len(parts) < count or not all(parts[:count]) or ":" in specifier:
        return None, ""
    rest = "/".join(parts[count:])
    return "/".join(parts[:count]), "./" + rest if rest else "."


def _pattern_targets(entries: dict[str, tuple], subpath: str) -> tuple[str, ...] | None:
    """`exports` subpath patterns (`./features/*`): the longest prefix that matches, its `*`
    replaced in every target, as Node resolves them."""
    best = None
    for pattern, targets in entries.items():
        prefix, star, suffix = pattern.partition("*")
        if star and subpath.startswith(prefix) and subpath.endswith(suffix) \
                and len(subpath) >= len(prefix) + len(suffix) \
                and (best is None or len(prefix) > len(best[0])):
            best = (prefix, suffix, targets)
    if best is None:
        return None
    prefix, suffix, targets = best
    middle = subpath[len(prefix):len(subpath) - len(suffix)]
    return tuple(t.replace("*", middle) for t in targets)


@functools.lru_cache(maxsize=1024)
def _workspace_pattern(pattern: str) -> re.Pattern[str] | None:
    """A workspace glob as npm matches directories (`packages/*`, `apps/**`): by hand, as
    gitignore-style matchers (pathspec) also match everything below a directory. None (it
    matches nothing) past MAX_WILDCARDS wildcards: a repository's `**/**/**/...` would make
    the match backtrack for as long as it likes."""
    pattern = pattern.strip("/").removeprefix("./")
    parts = re.split(r"(\*\*/?|\*|\?)", pattern)
    if len(parts) // 2 > MAX_WILDCARDS:
        return None
    out = []
    for part in parts:
        if part.startswith("**"):
            out.append("(?:.*/)?" if part.endswith("/") else ".*")
        elif part == "*":
            out.append("[^/]*")
        elif part == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(part))
    return re.compile("".join(out))


def _in_workspaces(root: str, directory: str, patterns: tuple[str, ...]) -> bool:
    """Is `directory` one of the workspaces `patterns` (relative to `root`) name?"""
    if root:
        if not directory.startswith(root + "/"):
            return False
        directory = directory[len(root) + 1:]
    if not directory:
        return False
    matches = [not p.startswith("!") for p in patterns
               if (glob := _workspace_pattern(p.removeprefix("!"))) and glob.fullmatch(directory)]
    return bool(matches) and all(matches)


def _matching_patterns(paths: dict[str, list[str]], specifier: str):
    """tsconfig `paths` entries that match, the longest prefix first, as TypeScript orders them."""
    matches = []
    for pattern, targets in paths.items():
        if "*" in pattern:
            prefix, _, suffix = pattern.partition("*")
            fits = len(specifier) >= len(prefix) + len(suffix)
            if fits and specifier.startswith(prefix) and specifier.endswith(suffix):
                matches.append((prefix, suffix, targets))
        elif pattern == specifier:
            matches.append((pattern, "", targets))
    return sorted(matches, key=lambda m: (-len(m[0]), m[0]))
