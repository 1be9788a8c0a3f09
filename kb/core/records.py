"""Dataclass-shaped classes for the cold paths, without importing `dataclasses` to define them.

Why: `import dataclasses` imports `inspect`, and with it `ast`, `dis`, `tokenize` and `linecache`:
about 10 ms of a cold `powerkb query`, a fifth of its whole budget of three times a bare
`python -c 'import sqlite3'` (docs/performance.md, issue 16). The query path (syntax tree, compiled
plan, rows, results, periods, cache entries) is made of small record classes, so `record` makes
the methods a dataclass would have, from the class's annotations and defaults, with the same
behaviour:

* ``__init__`` with the fields in order (inherited fields first), defaults and
  ``field(default_factory=…)``; ``__match_args__``;
* ``__repr__`` of the fields with ``repr=True``; ``__eq__`` on the fields with ``compare=True``,
  only between instances of the very same class (``NotImplemented`` otherwise);
* ``frozen=True``: assignment raises `FrozenInstanceError` (an ``AttributeError``, like
  `dataclasses.FrozenInstanceError`) and instances hash by their compared fields; otherwise,
  as for a dataclass with ``eq=True``, instances are unhashable.

The public API promises dataclasses (docs/api.md: `dataclasses.is_dataclass(result)`,
`dataclasses.replace`, `asdict`, `fields`), so a record also answers ``__dataclass_fields__`` and
``__dataclass_params__``: on first access (which is what `is_dataclass` does) they are taken from a
real dataclass made from the same fields, and only a caller that asks pays for the import.
"""

from __future__ import annotations

MISSING = object()
"""No default (a field the caller must give)."""

_FACTORY = object()  # the __init__ default of a field with a default_factory


class FrozenInstanceError(AttributeError):
    """An assignment to a field of a frozen record."""


class Field:
    """One field of a record: what `field(...)` returns and what `record` collects."""

    __slots__ = ("name", "type", "default", "default_factory", "repr", "compare")

    def __init__(self, default=MISSING, default_factory=MISSING, repr: bool = True, compare: bool = True):
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name, self.type = "", ""
        self.default, self.default_factory, self.repr, self.compare = default, default_factory, repr, compare

    def __repr__(self) -> str:
        return f"Field(name={self.name!r}, default={self.default!r}, repr={self.repr}, compare={self.compare})"


def field(*, default=MISSING, default_factory=MISSING, repr: bool = True, compare: bool = True) -> Field:
    """Like `dataclasses.field`, for the options records use."""
    return Field(default, default_factory, repr, compare)


def _collect(cls) -> list[Field]:
    """The fields of `cls`: its bases' record fields, then its own annotations in order."""
    found: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for f in base.__dict__.get("__record_fields__", ()):
            found[f.name] = f
    for name, kind in cls.__dict__.get("__annotations__", {}).items():
        if str(kind).startswith(("ClassVar", "typing.ClassVar")):
            continue
        value = cls.__dict__.get(name, MISSING)
        f = value if isinstance(value, Field) else Field(default=value)
        f.name, f.type = name, kind
        if isinstance(value, Field):  # the class attribute is the default itself, as in dataclasses
            if f.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
        if isinstance(f.default, (list, dict, set)):
            raise ValueError(f"mutable default {type(f.default).__name__} for field {name!r}: use default_factory")
        found[name] = f
    fields = list(found.values())
    seen_default = False
    for f in fields:
        has_default = f.default is not MISSING or f.default_factory is not MISSING
        if seen_default and not has_default:
            raise TypeError(f"non-default field {f.name!r} follows a default field in {cls.__name__}")
        seen_default = seen_default or has_default
    return fields


def _methods_source(fields: list[Field], frozen: bool) -> str:
    """The source of __init__, __repr__, __eq__ and __hash__ (one `exec` for all of them)."""
    params, body = ["self"], []
    for f in fields:
        if f.default_factory is not MISSING:
            params.append(f"{f.name}=_FACTORY")
            value = f"_factory_{f.name}() if {f.name} is _FACTORY else {f.name}"
        else:
            params.append(f.name if f.default is MISSING else f"{f.name}=_default_{f.name}")
            value = f.name
        body.append(f"    _set(self, {f.name!r}, {value})" if frozen else f"    self.{f.name} = {value}")
    shown = ", ".join(f"{f.name}={{self.{f.name}!r}}" for f in fields if f.repr)
    compared = "".join(f"self.{f.name}," for f in fields if f.compare)
    other = "".join(f"other.{f.name}," for f in fields if f.compare)
    return "\n".join([
        f"def __init__({', '.join(params)}):",
        *(body or ["    pass"]),
        "def __repr__(self):",
        f"    return f\"{{self.__class__.__qualname__}}({shown})\"",
        "def __eq__(self, other):",
        "    if other.__class__ is self.__class__:",
        f"        return ({compared}) == ({other})",
        "    return NotImplemented",
        "def __hash__(self):",
        f"    return hash(({compared}))",
    ])


def _frozen_setattr(self, name, value):
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self, name):
    raise FrozenInstanceError(f"cannot delete field {name!r}")


class _DataclassView:
    """`__dataclass_fields__` / `__dataclass_params__` of a record, made on first access from a
    real dataclass with the same fields (so `dataclasses.fields`, `replace` and `asdict` work)."""

    def __init__(self, attr: str):
        self.attr = attr

    def __get__(self, obj, owner):
        import dataclasses

        spec = []
        for f in owner.__record_fields__:
            kw = {"repr": f.repr, "compare": f.compare}
            if f.default is not MISSING:
                kw["default"] = f.default
            if f.default_factory is not MISSING:
                kw["default_factory"] = f.default_factory
            spec.append((f.name, f.type, dataclasses.field(**kw)))
        twin = dataclasses.make_dataclass(owner.__name__, spec, frozen=owner.__record_frozen__)
        setattr(owner, "__dataclass_fields__", twin.__dataclass_fields__)  # replaces this descriptor
        setattr(owner, "__dataclass_params__", twin.__dataclass_params__)
        return getattr(owner, self.attr)


def _build(cls) -> None:
    """Make the methods of record `cls` (once): `exec` costs ~0.15 ms a class, and a cold query
    defines some thirty records, makes instances of a third of them and few instances of most."""
    fields, frozen = cls.__record_fields__, cls.__record_frozen__
    namespace = {"_FACTORY": _FACTORY, "_set": object.__setattr__}
    for f in fields:
        namespace[f"_default_{f.name}"] = f.default
        namespace[f"_factory_{f.name}"] = f.default_factory
    exec(_methods_source(list(fields), frozen), namespace)  # noqa: S102 - our own generated source, as dataclasses does
    for name in cls.__record_lazy__:
        method = namespace[name]
        method.__qualname__ = f"{cls.__qualname__}.{name}"
        setattr(cls, name, method)
    cls.__record_lazy__ = ()


GENERIC_USES = 16
"""Calls a record's methods serve generically before they are compiled: a class used a few times
(most syntax tree nodes of a query) never pays for `exec`; one used per row (obligation rows)
gets the compiled methods after its first rows."""


def _generic_init(cls, self, *args, **kwargs):
    fields = cls.__record_fields__
    if len(args) > len(fields):
        raise TypeError(f"{cls.__name__}() takes {len(fields)} positional arguments but {len(args)} were given")
    names = {f.name for f in fields}
    for name in kwargs:
        if name not in names:
            raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {name!r}")
    put = object.__setattr__ if cls.__record_frozen__ else setattr
    for i, f in enumerate(fields):
        if i < len(args):
            if f.name in kwargs:
                raise TypeError(f"{cls.__name__}() got multiple values for argument {f.name!r}")
            value = args[i]
        elif f.name in kwargs:
            value = kwargs[f.name]
        elif f.default_factory is not MISSING:
            value = f.default_factory()
        elif f.default is not MISSING:
            value = f.default
        else:
            raise TypeError(f"{cls.__name__}() missing required argument: {f.name!r}")
        put(self, f.name, value)


def _generic_repr(cls, self):
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in cls.__record_fields__ if f.repr)
    return f"{self.__class__.__qualname__}({shown})"


def _compared(cls, obj) -> tuple:
    return tuple(getattr(obj, f.name) for f in cls.__record_fields__ if f.compare)


def _generic_eq(cls, self, other):
    if other.__class__ is self.__class__:
        return _compared(cls, self) == _compared(cls, other)
    return NotImplemented


def _generic_hash(cls, self):
    return hash(_compared(cls, self))


_GENERIC = {"__init__": _generic_init, "__repr__": _generic_repr, "__eq__": _generic_eq, "__hash__": _generic_hash}


def _stub(cls, name: str):
    """A method that serves generically for the record's first uses, then makes the compiled
    methods and runs the compiled one."""
    generic = _GENERIC[name]

    def first_uses(self, *args, **kwargs):
        if cls.__record_lazy__:
            if cls.__record_uses__ < GENERIC_USES:
                type.__setattr__(cls, "__record_uses__", cls.__record_uses__ + 1)
                return generic(cls, self, *args, **kwargs)
            _build(cls)
        return cls.__dict__[name](self, *args, **kwargs)

    first_uses.__name__ = first_uses.__qualname__ = name
    return first_uses


def record(cls=None, /, *, frozen: bool = False):
    """Make `cls` a record (see the module's docstring); use as ``@record`` or ``@record(frozen=True)``."""

    def wrap(cls):
        fields = _collect(cls)
        own_hash = cls.__dict__.get("__hash__", MISSING)
        explicit_hash = not (own_hash is MISSING or (own_hash is None and "__eq__" in cls.__dict__))
        lazy = [name for name in ("__init__", "__repr__", "__eq__") if name not in cls.__dict__]  # the class's own are kept
        if not explicit_hash:  # dataclasses' rule for eq=True: frozen hashes its fields, else unhashable
            if frozen:
                lazy.append("__hash__")
            else:
                cls.__hash__ = None
        cls.__record_fields__ = tuple(fields)
        cls.__record_frozen__ = frozen
        cls.__record_lazy__ = tuple(lazy)
        cls.__record_uses__ = 0
        for name in lazy:
            setattr(cls, name, _stub(cls, name))
        if frozen:
            cls.__setattr__ = _frozen_setattr
            cls.__delattr__ = _frozen_delattr
        cls.__match_args__ = tuple(f.name for f in fields)
        cls.__dataclass_fields__ = _DataclassView("__dataclass_fields__")
        cls.__dataclass_params__ = _DataclassView("__dataclass_params__")
        return cls

    return wrap if cls is None else wrap(cls)
