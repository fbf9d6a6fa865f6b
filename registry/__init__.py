"""The outlet registry: outlets are data (``outlets.yaml``), validated once, typed everywhere."""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import ValidationError

from registry.model import Outlet, Politeness, Source, SourceKind

__all__ = ["Outlet", "Politeness", "RegistryError", "Source", "SourceKind", "load_outlets"]

DEFAULT_REGISTRY = Path(__file__).with_name("outlets.yaml")


class RegistryError(ValueError):
    """The registry file cannot be used; the message names the outlet and the field."""


def registry_path() -> Path:
    return Path(os.environ.get("KHABAR_REGISTRY", DEFAULT_REGISTRY))


def load_outlets(path: Path | str | None = None) -> dict[str, Outlet]:
    """Read and validate the registry.

    Returns:
        Outlets by id, in file order.

    Raises:
        RegistryError: unreadable file, bad YAML, a duplicate id, or an invalid field; the message
            says which outlet and which field.
    """
    path = Path(path) if path else registry_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RegistryError(f"cannot read outlet registry {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path} is not valid YAML: {exc}") from exc
    if isinstance(data, dict):
        unknown = [str(key) for key in data if key != "outlets"]
        if unknown:  # a misspelt or misplaced key would otherwise be silently ignored
            raise RegistryError(f"{path}: unknown top-level key {unknown[0]!r} "
                                "(the file holds only 'outlets:')")
    entries = (data or {}).get("outlets") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise RegistryError(f"{path}: expected a top-level 'outlets:' list with at least one entry")

    outlets: dict[str, Outlet] = {}
    for position, entry in enumerate(entries, start=1):
        label = entry.get("id") if isinstance(entry, dict) else None
        label = repr(label) if label else f"#{position}"
        try:
            outlet = Outlet.model_validate(entry)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'entry'}: {err['msg']}"
                for err in exc.errors()
            )
            raise RegistryError(f"{path}: outlet {label}: {problems}") from None
        if outlet.id in outlets:
            raise RegistryError(f"{path}: outlet {label}: duplicate id")
        outlets[outlet.id] = outlet
    return outlets


def select_outlets(outlets: dict[str, Outlet], wanted: list[str] | None) -> list[Outlet]:
    """The outlets named in ``wanted`` (all when None), or a RegistryError naming unknown ones."""
    if not wanted:
        return list(outlets.values())
    unknown = [name for name in wanted if name not in outlets]
    if unknown:
        raise RegistryError(
            f"unknown outlet(s) {', '.join(unknown)}; known: {', '.join(outlets)}"
        )
    return [outlets[name] for name in wanted]
