"""Calls resolved through the types the code states or makes obvious, for both languages.

A callee chain (`ctx.invoke`, `self.helper.run`, `this.box.open`, `make().build`,
`super().save`) is followed name by name. A name is looked up as the language does: the
caller's own scope, the enclosing functions, then the module (its definitions and imports, see
python.py and javascript.py). A local or attribute holds what its `types` rows say
(extract/python_types.py, extract/javascript_types.py), flow-insensitively: declared types
(annotations) decide when there are any, else every value assigned must resolve to the same
thing; one unknown value (`?`) or two different ones leave it unresolved. Members are found
along the class's C3 method resolution order across files; a base class that is not in the
repository hides everything after it in that order (it might define the name). Calling a class
gives an instance, calling a function what its return annotation declares or, without one,
the one value all its `return`s give.

Every fact read from another file goes through `Lookups` (`types`, `member`, `name`), so the
interface diff re-links exactly the callers that a changed annotation, base or member affects.
"""
from __future__ import annotations

from functools import partial
from typing import cast

from aud_git.link.bindings import Choice, Definition, ModuleRef
from aud_git.link.calls import CALLABLE_KINDS, ELEMENT, CallResolver, Resolved, Token, tokens_of
from aud_git.link.lookups import Lookups

MODULE = "<module>"
CONTAINER = "[]"  # the value of a name bound to a container display (extract/python_types.py)
MAPPING = "{:}"  # the value of a name bound to a dict display
OBJECT = "{}"  # the value of a name bound to an object literal (extract/javascript_types.py)
ITERATE_NAME = "__iter__"  # a loop over a chain takes `chain.__iter__()` (python_types.py)
_ITERABLES = frozenset({"container", "mapping", "generator"})
_MISSING = object()
_IN_PROGRESS = object()
_DECLARED = frozenset({"param", "param_default", "annotation"})
# Rows that bind a name (not those that describe a definition: bases, returns, decorators).
_REBINDING = _DECLARED | {"assign", "argument"}
_PROPERTIES = frozenset({"property", "cached_property"})
# Options a choice may hold: more, and a call's targets are too many to be worth a reviewer's
# reading (and to be stored); the name is then unresolved.
MAX_OPTIONS = 8


def _c3(sequences: list[list]) -> list | None:
    """The C3 merge of linearizations (None entries: classes outside the repository)."""
    sequences = [list(s) for s in sequences if s]
    merged: list = []
    while sequences:
        for sequence in sequences:
            head = sequence[0]
            if not any(head in other[1:] for other in sequences):
                break
        else:
            return None  # no consistent order: Python refuses the class
        merged.append(head)
        sequences = [s[1:] if s[0] == head else s for s in sequences]
        sequences = [s for s in sequences if s]
    return merged


def _holds_only(evidence, marker: str) -> bool:
    """Is every value a name is given (but `None`) a display `marker` stands for, and nothing
    declared? CONTAINER (a list, tuple or set display) and MAPPING (a dict display): the rows
    of `name[]` are all its elements (python_types.py); OBJECT (a JS object literal): the rows
    of `name.x` are its members'."""
    values = [(origin, expr) for origin, _, expr in evidence if expr != "None"]
    return bool(values) and all(origin == "assign" and expr == marker for origin, expr in values)


class TypedCalls(CallResolver):
    """The call resolution both linkers share; they supply `head` and `module_member`."""

    # Bases outside the repository known to define none of the names a repository's class
    # calls (they do not hide what comes after them).
    transparent_bases: frozenset[str] = frozenset()
    super_is_called = False  # Python's `super().m()`; JS/TS's `super.m()`
    constructor = "constructor"  # what a class call runs: JS/TS's; Python's `__init__`
    declares_shapes = False  # TypeScript's interfaces and object types (`interface` rows)
    lk: Lookups
    _names_of: str | None = None  # the file `_names` belongs to
    _names: dict[str, Resolved | None]  # module-level names of that file
    _in_scopes: dict[tuple[str, str], Resolved | None]  # (scope, name) in that file
    _values: dict[str, object]  # target -> Resolved | None, or _IN_PROGRESS
    _calls: dict[tuple[str, str], list[Resolved]]  # (caller, callee) -> links
    _attributes: dict[tuple[Resolved, str], object]  # (what, name) -> Resolved | None

    def resolve_call(self, file: str, caller: str, callee: str) -> list[Resolved]:
        # The same call in the same scope resolves the same way: once per file (the lookups
        # it made are already this file's).
        self.file_caches(file)
        key = (caller, callee)
        found = self._calls.get(key)
        if found is None:
            found = self._calls[key] = self._resolve_call(file, caller, callee)
        return found

    def file_caches(self, file: str) -> None:
        """Start the per-file caches when a new file is linked."""
        if self._names_of != file:
            self._names_of, self._names, self._in_scopes, self._values = file, {}, {}, {}
            self._calls, self._attributes = {}, {}

    def _resolve_call(self, file: str, caller: str, callee: str) -> list[Resolved]:
        # `new X().m` (JS) calls `m` of an instance of `X`, as `X().m` does.
        tokens = tokens_of(callee[4:] if callee.startswith("new ") else callee)
        found = self.chain(file, caller, tokens) if tokens is not None else None
        if found is None:
            return []
        if isinstance(found.binding, Choice):
            # Each option is a target only when every option is: else which one runs is not
            # certain to be among them (`x()` with x a function here, an instance there).
            rows = [self.targets(option) for option in found.binding.options]
            if not all(rows):
                return []
            return [Resolved(r.binding, "possible") for option in rows for r in option]
        return self.targets(found)

    def targets(self, found: Resolved) -> list[Resolved]:
        """The rows of a call of one binding: a function or method; a class and the `__init__`
        (`constructor`) it runs."""
        target = found.binding
        if not isinstance(target, Definition) or target.kind not in CALLABLE_KINDS:
            return []
        rows = [found]
        if target.kind == "class":
            init = self.class_member(target, self.constructor)
            if init is not None and isinstance(init.binding, Definition) \
                    and init.binding.kind == "method":
                rows.append(Resolved(init.binding, "init"))
        return rows

    def base_links(self, file: str) -> list[tuple]:
        """(class, position, base as written, target file, target qualname) of each base class
        that resolves to a class in the repository."""
        self.file_caches(file)
        rows = []
        for qualname, evidence in sorted(self.lk.own_types().items()):
            bases = [(scope, expr) for origin, scope, expr in evidence if origin == "base"]
            for position, (scope, expr) in enumerate(bases):
                found = self.base_class(file, scope, expr)
                if found is not None:
                    rows.append((qualname, position, expr, found.path, found.qualname))
        return rows

    def base_class(self, path: str, scope: str, expr: str) -> Definition | None:
        found = self.expression(path, scope, expr) if expr != "?" else None
        return self.as_type(found.binding) if found is not None else None

    def as_type(self, binding: object) -> Definition | None:
        """The class or interface (TypeScript) a binding names as a type: an interface or
        object type alias, also where a value of the same name merges with it (an interface
        and a function `$constructor`: as a type, the name means the interface)."""
        if not isinstance(binding, Definition) or binding.kind in ("instance", "super"):
            return None
        if binding.kind == "class":
            return binding
        if not self.declares_shapes:
            return None
        evidence = self.lk.types(binding.path, binding.qualname) or ()
        if any(origin == "interface" for origin, _, _ in evidence):
            return binding._replace(kind="class")
        return None

    # -- chains ----------------------------------------------------------------------------
    def chain(self, path: str, scope: str, tokens: tuple[Token, ...]) -> Resolved | None:
        (name, called), rest = tokens[0], tokens[1:]
        if name == "super" and called == self.super_is_called:
            current = self.super_of(path, scope)
        else:
            current = self.name_in_scope(path, scope, name)
            if called and current is not None:
                current = self.call_result(current)
        for name, called in rest:
            if current is None:
                return None
            current = self.member_step(current, name, called)
        return current

    def member_step(self, current: Resolved, name: str, called: bool) -> Resolved | None:
        """`.name` (and its call) of what `current` holds: of each option of a choice; an
        element of a container (`h[k]`, `h.get(k)`)."""
        binding = current.binding
        if isinstance(binding, Choice):
            return self.each(current, lambda option: self.member_step(option, name, called))
        if isinstance(binding, Definition) and binding.kind in _ITERABLES:
            return self.iterable_step(current, binding, name, called)
        if name in (ELEMENT, ITERATE_NAME):  # what a class's `__getitem__`/`__iter__` give:
            return None                      # not followed (the loop takes `__next__`'s)
        found = self.attribute(current, name)
        return self.call_result(found) if called and found is not None else found

    def iterable_step(self, current: Resolved, binding: Definition, name: str,
                      called: bool) -> Resolved | None:
        """What a container gives: an element (`h[k]`; a dict's `h.get(k)` too), what a loop
        takes from it (a list's elements, a dict's `values()`; a dict's keys are not
        followed), what a generator yields."""
        kind = binding.kind
        if kind == "mapping" and name == "values" and called:
            return Resolved(binding._replace(kind="container"), current.how)
        if name == ITERATE_NAME and called:
            if kind == "generator":
                return self.yielded(binding)
            takes = kind == "container"
        else:
            takes = kind != "generator" and (name == ELEMENT or (name == "get" and called
                                                                and kind == "mapping"))
        if not takes:
            return None
        found = self.value_of(binding.path, binding.qualname + ELEMENT)
        found = found.via(current.how) if found is not None else None
        return self.call_result(found) if name == ELEMENT and called and found else found

    def yielded(self, generator: Definition) -> Resolved | None:
        evidence = self.lk.types(generator.path, generator.qualname) or ()
        return self.from_evidence([(generator.path, "assign", s, e) for origin, s, e in evidence
                                   if origin == "yield"])

    def each(self, choice: Resolved, step) -> Resolved | None:
        """`step` applied to every option of a choice: what they all give, one binding or a
        choice again; unknown when any option gives nothing known."""
        assert isinstance(choice.binding, Choice)
        # "direct": the options' own ways are kept (a choice that collapses is certain).
        return self.agreed([step(option) for option in choice.binding.options], "direct")

    def name_in_scope(self, path: str, scope: str, name: str) -> Resolved | None:
        """`name` read in `scope` of `path`: locals, enclosing functions, then the module."""
        if path != self.lk.file or not self.lk.at_top_level():
            target = self.local_target(path, scope, name)
            return self.value_of(path, target) if target else self.module_name(path, name)
        # The file being linked, outside any shared computation: what this reads is recorded
        # in this file's own frame the first time, so the answer may be kept for the file.
        self.file_caches(path)
        key = (scope, name)
        if key in self._in_scopes:
            return self._in_scopes[key]
        target = self.local_target(path, scope, name)
        if target is not None:
            found = self.value_of(path, target)
        else:
            if name not in self._names:
                self._names[name] = self.module_name(path, name)
            found = self._names[name]
        self._in_scopes[key] = found
        return found

    def local_target(self, path: str, scope: str, name: str) -> str | None:
        """The local (`f.x`) or class attribute (`C.x`, read in the class body) that `name`
        means in `scope`, or None for the module's."""
        own = path == self.lk.file and self.lk.at_top_level()
        # The file being linked reads its own facts straight (nothing to record): the same
        # values the lookups give, at a fraction of the calls on the linker's hottest path.
        types = self.lk.own_types().get if own else partial(self.lk.types, path)
        kinds = self.lk.own_symbols().get if own else partial(self.lk.member, path)
        current = scope
        while current != MODULE:
            target = f"{current}.{name}"
            evidence = types(target) or ()
            kind = kinds(target)
            # A method binds its name in a class body only: in a function, `f.m` is the method
            # of an object literal written there (JS), which binds nothing.
            if evidence or (kind is not None and (kind != "method" or (
                    kinds(current) if own else self.scope_kind(path, current)) == "class")):
                origins = {origin for origin, _, _ in evidence}
                if "global" in origins:
                    return None
                if "nonlocal" not in origins:
                    return target
            current = self.enclosing_function(path, current, own)
        return None

    def module_name(self, path: str, name: str) -> Resolved | None:
        binding = self.head(path, name)
        rebound = any(origin in _REBINDING for origin, _, _ in self.lk.types(path, name) or ())
        if binding is None:
            # Bound only by what makes no module symbol: a loop, a callback's parameter.
            return self.value_of(path, name) if rebound else None
        own = isinstance(binding, Definition) and binding.path == path
        if rebound and not (own and isinstance(binding, Definition) and binding.kind == "variable"):
            return None  # an import or a definition the module also binds otherwise (a loop)
        how = "direct" if own else "import"
        if isinstance(binding, Definition) and binding.kind == "variable":
            value = self.value_of(binding.path, binding.qualname)
            return value.via(how) if value is not None else None
        return Resolved(binding, how)

    def enclosing_function(self, path: str, qualname: str, own: bool = False) -> str:
        """The scope whose names `qualname`'s body sees next: a function, else the module."""
        kinds = self.lk.own_symbols() if own else None
        parent = qualname.rpartition(".")[0]
        while parent:
            kind = kinds.get(parent) if kinds is not None else self.scope_kind(path, parent)
            if kind in ("function", "method"):
                return parent
            parent = parent.rpartition(".")[0]
        return MODULE

    def scope_kind(self, path: str, qualname: str) -> str | None:
        """What `qualname` defines (whatever else binds the same name)."""
        if "." in qualname:
            return self.lk.member(path, qualname)
        kinds = {c[2] for c in self.lk.name(path, qualname) or () if c[0] == "symbol"}
        return kinds.pop() if len(kinds) == 1 else None

    def kind_of(self, path: str, qualname: str) -> str | None:
        if "." in qualname:
            return self.lk.member(path, qualname)
        candidates = self.lk.name(path, qualname) or ()
        kinds = {c[2] for c in candidates if c[0] == "symbol"}
        return kinds.pop() if len(candidates) == 1 and kinds else None

    # -- values ----------------------------------------------------------------------------
    def value_of(self, path: str, target: str) -> Resolved | None:
        if path != self.lk.file or not self.lk.at_top_level():
            return self.lk.shared(("py-value", path, target), lambda: self._value_of(path, target))
        # The file's own names, asked while linking it: kept for this file only (no other
        # file's link needs its locals), and what they read is this file's own lookups.
        self.file_caches(path)
        found = self._values.get(target, _MISSING)
        if found is _IN_PROGRESS:
            return None  # `x = y; y = x`
        if found is _MISSING:
            self._values[target] = _IN_PROGRESS
            found = self._values[target] = self._value_of(path, target)
        return cast("Resolved | None", found)

    def _value_of(self, path: str, target: str) -> Resolved | None:
        kind = self.kind_of(path, target)
        if kind in CALLABLE_KINDS:
            return Resolved(Definition(path, target, kind), "direct")
        evidence = self.lk.types(path, target) or ()
        if evidence and all(origin == "receiver" for origin, _, _ in evidence):
            owner = target.rpartition(".")[0].rpartition(".")[0]  # `C.m.self` -> `C`
            return Resolved(Definition(path, owner, evidence[0][2]), "self")
        if [origin for origin, _, expr in evidence] == ["param"] and evidence[0][2] == "?":
            given = self.parameter_value(path, target)
            if given is not None:
                return given
        if _holds_only(evidence, CONTAINER):
            return Resolved(Definition(path, target, "container"), "inferred")
        if _holds_only(evidence, MAPPING):
            return Resolved(Definition(path, target, "mapping"), "inferred")
        if _holds_only(evidence, OBJECT):
            return Resolved(Definition(path, target, "object"), "inferred")
        return self.from_evidence([(path, *row) for row in evidence])

    def parameter_value(self, path: str, target: str) -> Resolved | None:
        """What a plain parameter holds that no annotation says (pytest fixtures, Python)."""
        return None

    def from_evidence(self, evidence: list[tuple[str, str, str, str]]) -> Resolved | None:
        """What (path, origin, scope, expr) rows say a name holds: the declared type if any
        is declared, else the one value every assignment gives."""
        declared = [(p, origin, s, e) for p, origin, s, e in evidence
                    if origin in _DECLARED or origin == "argument"]
        if declared:
            return self.agreed([self.argument_type(p, s, e) if origin == "argument"
                                else self.instance_named(p, s, e)
                                for p, origin, s, e in declared], "annotated")
        values = [(p, s, e) for p, origin, s, e in evidence if origin == "assign" and e != "None"]
        return self.agreed([self.expression(*row) for row in values], "inferred")

    def argument_type(self, path: str, scope: str, expr: str) -> Resolved | None:
        """A callback's parameter (`operate((source, subscriber) => ...)`, expr `operate#0.1`):
        the type the callee declares for it (the `callback_param` rows of its parameter)."""
        callee, _, position = expr.rpartition("#")
        found = self.expression(path, scope, callee)
        if found is None or not isinstance(found.binding, Definition) \
                or found.binding.kind not in ("function", "method"):
            return None
        function = found.binding
        evidence = self.lk.types(function.path, f"{function.qualname}#{position}") or ()
        return self.agreed([self.instance_named(function.path, s, e)
                            for origin, s, e in evidence if origin == "callback_param"],
                           "annotated")

    def instance_attribute(self, owner: Definition, name: str) -> Resolved | None:
        """`obj.name` of an instance: what any class of its MRO assigns to it in a method
        (`self.name = ` in a base class's `__init__` shadows a subclass's class attribute) and
        what the nearest class body that sets it says (it hides the bases' class bodies), up to
        the first class outside the repository."""
        def compute() -> Resolved | None:
            evidence = []
            holders = []
            shadowed = False  # a class body's value hides those of the bases after it
            for entry in self.mro(owner.path, owner.qualname):
                if entry is None:
                    break
                rows = self.lk.types(entry.path, f"{entry.qualname}.{name}") or ()
                in_body = any(scope == entry.qualname for _, scope, _ in rows)
                rows = tuple(r for r in rows if not shadowed or r[1] != entry.qualname)
                shadowed = shadowed or in_body
                evidence += [(entry.path, *row) for row in rows]
                holders += [(entry.path, f"{entry.qualname}.{name}")] if rows else []
            for marker, kind in ((CONTAINER, "container"), (MAPPING, "mapping")):
                if len(holders) == 1 and _holds_only([row[1:] for row in evidence], marker):
                    return Resolved(Definition(*holders[0], kind), "inferred")
            return self.from_evidence(evidence)

        return self.lk.shared(("py-iattr", owner.path, owner.qualname, name), compute)

    @staticmethod
    def agreed(results: list[Resolved | None], how: str) -> Resolved | None:
        """What every result together holds: the one binding they all name (how: the least
        certain way one was found, and `how`), a choice of the bindings they name when these
        differ (at most MAX_OPTIONS), else None (no result, or one unknown)."""
        if not results or None in results:
            return None
        options: dict[object, Resolved] = {}
        for result in results:
            assert result is not None
            found = result.binding.options if isinstance(result.binding, Choice) else (result,)
            for option in found:
                known = options.get(option.binding)
                options[option.binding] = option if known is None else known.via(option.how)
        if len(options) == 1:
            return next(iter(options.values())).via(how)
        if len(options) > MAX_OPTIONS:
            return None
        ordered = tuple(sorted((o.via(how) for o in options.values()), key=repr))
        return Resolved(Choice(ordered), "possible")

    def expression(self, path: str, scope: str, expr: str) -> Resolved | None:
        tokens = tokens_of(expr)
        return self.chain(path, scope, tokens) if tokens is not None else None

    def instance_named(self, path: str, scope: str, expr: str) -> Resolved | None:
        """An instance of the class an annotation names."""
        found = self.expression(path, scope, expr)
        named = self.as_type(found.binding) if found is not None else None
        if found is None or named is None:
            return None
        return Resolved(named._replace(kind="instance"), found.how).via("annotated")

    # -- calls and attributes --------------------------------------------------------------
    def call_result(self, current: Resolved) -> Resolved | None:
        binding = current.binding
        if isinstance(binding, Choice):
            return self.each(current, self.call_result)
        if not isinstance(binding, Definition):
            return None
        if binding.kind == "class":
            return Resolved(binding._replace(kind="instance"), current.how)
        if binding.kind in ("function", "method"):
            found = self.given(binding)
            return found.via(current.how) if found is not None else None
        return None

    def given(self, function: Definition, fixture: bool = False) -> Resolved | None:
        """What calling `function` gives (a fixture: what it provides): the declared return
        type, else the one value every `return` gives; a generator gives a generator (a loop
        over it takes its `yield`s), a fixture what it yields."""
        key = ("py-given", function.path, function.qualname, fixture)
        return self.lk.shared(key, lambda: self._given(function, fixture))

    def _given(self, function: Definition, fixture: bool) -> Resolved | None:
        evidence = self.lk.types(function.path, function.qualname) or ()
        returns = [(function.path, "returns", s, e) for origin, s, e in evidence
                   if origin == "returns"]
        if returns:  # one each overload signature (TypeScript): they must agree
            return self.agreed([self.instance_named(p, s, e) for p, _, s, e in returns],
                               "annotated")
        yields = [(function.path, "assign", s, e) for origin, s, e in evidence if origin == "yield"]
        if yields:  # a generator: a loop over it takes what it yields (a fixture provides it)
            return self.from_evidence(yields) if fixture else \
                Resolved(function._replace(kind="generator"), "inferred")
        return self.from_evidence([(function.path, "assign", s, e) for origin, s, e in evidence
                                   if origin == "return"])

    def attribute(self, current: Resolved, name: str) -> Resolved | None:
        if not self.lk.at_top_level():
            return self._attribute(current, name)
        # `self.assertEqual` in every method of a file: once (its lookups are the file's).
        self.file_caches(self.lk.file)
        key = (current, name)
        found = self._attributes.get(key, _MISSING)
        if found is _MISSING:
            found = self._attributes[key] = self._attribute(current, name)
        return cast("Resolved | None", found)

    def _attribute(self, current: Resolved, name: str) -> Resolved | None:
        binding = current.binding
        if isinstance(binding, ModuleRef):
            member = self.module_member(binding, name)
            if member is None:
                return None
            if isinstance(member, Definition) and member.kind == "variable":
                value = self.value_of(member.path, member.qualname)
                return value.via(current.how).via("import") if value is not None else None
            return Resolved(member, current.how).via("import")
        if isinstance(binding, Definition) and binding.kind == "object":
            return self.object_member(binding, name, current.how)
        if isinstance(binding, Definition) and binding.kind == "namespace":  # TypeScript
            qualname = f"{binding.qualname}.{name}"
            kind = self.lk.member(binding.path, qualname)
            return Resolved(Definition(binding.path, qualname, kind), current.how) if kind else None
        if not isinstance(binding, Definition) or binding.kind not in ("class", "instance", "super"):
            return None
        found = self.class_member(binding, name)
        if found is None:
            return None
        member = found.binding
        assert isinstance(member, Definition)
        how = found.via(current.how).how
        if member.kind == "variable":
            if binding.kind == "class":
                value = self.value_of(member.path, member.qualname)
            else:
                value = self.instance_attribute(binding, name)
            return value.via(how) if value is not None else None
        if member.kind == "method" and binding.kind != "class" and self.is_property(member):
            result = self.call_result(Resolved(member, how))
            return result
        return Resolved(member, how)

    def object_member(self, holder: Definition, name: str, how: str) -> Resolved | None:
        """`p.name` of the object literal `p` holds: the method it defines, and every value
        written to it (`p.name = v` anywhere p is in sight); nothing when neither."""
        qualname = f"{holder.qualname}.{name}"
        kind = self.lk.member(holder.path, qualname)
        evidence = self.lk.types(holder.path, qualname) or ()
        found: list[Resolved | None] = [Resolved(Definition(holder.path, qualname, kind), "direct")] \
            if kind in CALLABLE_KINDS and kind is not None else []
        found += [self.expression(holder.path, scope, expr)
                  for origin, scope, expr in evidence if origin == "assign" and expr != "None"]
        result = self.agreed(found, "inferred") if found else None
        return result.via(how) if result is not None else None

    def is_property(self, method: Definition) -> bool:
        evidence = self.lk.types(method.path, method.qualname) or ()
        return any(origin == "decorator" and expr.rpartition(".")[2] in _PROPERTIES
                   for origin, _, expr in evidence)

    # -- classes ---------------------------------------------------------------------------
    def class_member(self, owner: Definition, name: str) -> Resolved | None:
        """`name` along `owner`'s MRO (after the class itself for `super()`)."""
        skip = 1 if owner.kind == "super" else 0
        return self.lk.shared(("py-attr", owner.path, owner.qualname, name, skip),
                              lambda: self._class_member(owner, name, skip))

    def _class_member(self, owner: Definition, name: str, skip: int) -> Resolved | None:
        order = self.mro(owner.path, owner.qualname)
        for index, entry in enumerate(order[skip:], start=skip):
            if entry is None:
                return None  # a class outside the repository comes first: it may define it
            qualname = f"{entry.qualname}.{name}"
            kind = self.lk.member(entry.path, qualname)  # attributes too (interface.py)
            if kind == "ambiguous":
                return None
            if kind is not None:
                return Resolved(Definition(entry.path, qualname, kind),
                                "inherited" if index else "direct")
        return None

    def mro(self, path: str, qualname: str) -> tuple:
        """The class's method resolution order: Definitions, None for a class we cannot see."""
        found = self.lk.shared(("py-mro", path, qualname), lambda: self._mro(path, qualname))
        return found if found is not None else (Definition(path, qualname, "class"), None)

    def _mro(self, path: str, qualname: str) -> tuple | None:
        me = Definition(path, qualname, "class")
        bases: list = []
        for origin, scope, expr in self.lk.types(path, qualname) or ():
            if origin != "base":
                continue
            found = self.base_class(path, scope, expr)
            if found is None and expr.rpartition(".")[2] in self.transparent_bases \
                    and self.expression(path, scope, expr) is None:
                continue
            bases.append(found)
        linearizations = [list(self.mro(b.path, b.qualname)) if b is not None else [None]
                          for b in bases]
        merged = _c3([*linearizations, bases])
        return (me, *merged) if merged is not None else None

    def super_of(self, path: str, scope: str) -> Resolved | None:
        """`super()` in a method: the class's MRO after the class."""
        owner = scope.rpartition(".")[0]
        if self.kind_of(path, scope) != "method" or self.kind_of(path, owner) != "class":
            return None
        me = Definition(path, owner, "class")
        for origin, where, expr in self.lk.types(path, f"{scope}.super") or ():
            named = self.expression(path, where, expr) if origin == "super" else None
            if named is None or named.binding != me:
                return None  # `super(Other, self)`, or a local named `super`
        return Resolved(Definition(path, owner, "super"), "inherited")
