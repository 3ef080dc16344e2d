"""Typed configuration read once from environment variables.

A settings class is a frozen dataclass whose fields are declared with :func:`env`.
:func:`load` reads them all, and raises one :class:`ConfigError` that names every
missing or malformed variable, so an operator fixes the deployment in one pass.
The declarations are also the single list of variables a service reads, which the
Kubernetes manifests are checked against (:func:`variables`).
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

S = TypeVar("S")

_ENV = "mesh.env"
_DOC = "mesh.doc"
_PARSE = "mesh.parse"


class ConfigError(Exception):
    """One or more environment variables are missing or malformed."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid configuration:\n  " + "\n  ".join(problems))
        self.problems = problems


def env(
    name: str,
    default: Any = dataclasses.MISSING,
    *,
    doc: str = "",
    parse: Callable[[str], Any] | None = None,
) -> Any:
    """Declare a setting read from the environment variable ``name``."""
    metadata = {_ENV: name, _DOC: doc, _PARSE: parse}
    if default is dataclasses.MISSING:
        return dataclasses.field(metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclasses.dataclass(frozen=True)
class Variable:
    """One environment variable a settings class reads."""

    name: str
    required: bool
    default: Any
    doc: str


def variables(cls: type[Any]) -> list[Variable]:
    """The environment variables ``cls`` reads, in declaration order."""
    out = []
    for f in dataclasses.fields(cls):
        if _ENV not in f.metadata:
            continue
        required = f.default is dataclasses.MISSING
        out.append(Variable(f.metadata[_ENV], required, None if required else f.default, f.metadata[_DOC]))
    return out


def load(cls: type[S], environ: Mapping[str, str] | None = None) -> S:
    """Build ``cls`` from ``environ`` (default: ``os.environ``), or raise :class:`ConfigError`."""
    environ = os.environ if environ is None else environ
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    problems: list[str] = []
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        name = f.metadata.get(_ENV)
        if name is None:
            continue
        raw = environ.get(name)
        if raw is None or raw == "":
            if f.default is dataclasses.MISSING:
                hint = f" ({f.metadata[_DOC]})" if f.metadata[_DOC] else ""
                problems.append(f"{name} is not set{hint}")
            continue
        parse = f.metadata[_PARSE] or _parser_for(hints[f.name])
        try:
            values[f.name] = parse(raw)
        except (ValueError, TypeError) as exc:
            problems.append(f"{name}={raw!r} is malformed: {exc}")
    if problems:
        raise ConfigError(problems)
    return cls(**values)


def _parser_for(hint: Any) -> Callable[[str], Any]:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return _parser_for(args[0])
    if origin is tuple:
        (item,) = {a for a in typing.get_args(hint) if a is not Ellipsis}
        inner = _parser_for(item)
        return lambda raw: tuple(inner(p.strip()) for p in raw.split(",") if p.strip())
    if hint is bool:
        return _parse_bool
    if hint is int:
        return _parse_int
    if hint is float:
        return _parse_float
    if hint is Path:
        return Path
    if hint is str:
        return str
    raise TypeError(f"no parser for settings type {hint!r}; pass parse=")


def _parse_int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError("expected a whole number") from None


def _parse_float(raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise ValueError("expected a number") from None


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected one of true/false, yes/no, on/off, 1/0")
