"""Per-outlet extraction hooks: ``transforms/outlets/<outlet_id>.py``, loaded by outlet id.

An outlet gets a module here only when the general rules and its theme
(``transforms/themes/``) fail its golden page, as in Fundus, where per-publisher code is the
exception. The module defines, for any of the fields in ``FIELDS``, a function of the same name
taking the untouched page tree and returning that field's value (``authors(root) -> list[str]``).
Its value replaces the general rules' when it is not empty; an empty value (the markup moved)
leaves the general rules' reading in place, so a redesign degrades to the generic extraction
rather than to nothing.

Extraction tweaks live here, not in ``spiders/outlets/<id>.py`` (the crawl's hatch, for
discovery that needs code): transforms are pure and run again on stored raw pages
(re-extraction), which know nothing of Scrapy.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Callable
from functools import cache
from types import ModuleType
from typing import Any

from lxml.html import HtmlElement

# The metadata fields a hook may provide, read from the untouched tree.
FIELDS = ("title", "subtitle", "authors", "categories", "tags")
# Registry ids (``registry.model.OutletId``); anything else (a corpus name, a typo with a dot)
# has no hook and imports nothing.
_OUTLET_ID = re.compile(r"^[a-z][a-z0-9_]*$")

FieldHook = Callable[[HtmlElement], Any]


@cache
def outlet_module(outlet: str) -> ModuleType | None:
    """The hook module of ``outlet`` (``transforms.outlets.<outlet>``), or None when it has none.

    Raises:
        ImportError: the module exists but fails to import (a bug to see, not to skip).
    """
    if not _OUTLET_ID.match(outlet):
        return None
    name = f"{__name__}.{outlet}"
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def field_hooks(outlet: str) -> dict[str, FieldHook]:
    """The field functions ``outlet``'s hook module defines, by field name (empty: no hook)."""
    module = outlet_module(outlet)
    if module is None:
        return {}
    return {f: getattr(module, f) for f in FIELDS if callable(getattr(module, f, None))}


def apply_hooks(outlet: str, root: HtmlElement, fields: dict[str, Any]) -> None:
    """Replace ``fields`` values with the non-empty values of ``outlet``'s hooks (in place)."""
    for field, hook in field_hooks(outlet).items():
        value = hook(root)
        if value:
            fields[field] = value
