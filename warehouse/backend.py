"""Which warehouse backend this process uses: the DuckDB file (default) or a DuckLake.

``KHABAR_WAREHOUSE`` chooses it:

* unset, empty or ``duckdb:PATH``: the single DuckDB file (``KHABAR_DB`` or
  ``warehouse/news.duckdb``; ``duckdb:PATH`` names it), the embedded default and the demo's;
* ``ducklake:postgres://USER@HOST:PORT/DB`` (or ``postgresql://``, or libpq's key/value form
  ``ducklake:postgres:host=… dbname=…``): a DuckLake whose catalog lives in that PostgreSQL
  database and whose data (Parquet files) lives under ``KHABAR_LAKE_DATA``, a folder every
  worker mounts at the same path (``warehouse.lake``). ``KHABAR_LAKE_DATA`` is needed to
  create the lake; afterwards the catalog remembers it, and setting it again must give the same
  folder (DuckLake refuses another one).

A value that is neither is refused with one line naming the accepted forms, before any work.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from warehouse.errors import WarehouseError

WAREHOUSE_ENV = "KHABAR_WAREHOUSE"
LAKE_DATA_ENV = "KHABAR_LAKE_DATA"
_POSTGRES_URL = ("postgres://", "postgresql://")
_FORMS = ("duckdb:PATH, ducklake:postgres://USER@HOST:PORT/DB (postgresql:// too) or "
          "ducklake:postgres:host=HOST port=PORT dbname=DB")


@dataclass(frozen=True)
class LakeConfig:
    """A DuckLake with its catalog in PostgreSQL.

    Attributes:
        catalog: the PostgreSQL connection string (a ``postgresql://`` URL or libpq key/value
            pairs: libpq takes both), without the ``ducklake:postgres:`` prefix.
        data_path: where the Parquet files go (absolute), or ``None``: the catalog's.
    """

    catalog: str
    data_path: str | None = None

    @property
    def attach_path(self) -> str:
        """What DuckDB's ``ATTACH`` takes: ``ducklake:postgres:<catalog>``."""
        return f"ducklake:postgres:{self.catalog}"

    def describe(self) -> str:
        """The lake in one phrase, without a password (for messages)."""
        catalog = self.catalog
        if "://" in catalog and "@" in catalog:
            scheme, rest = catalog.split("://", 1)
            user, host = rest.rsplit("@", 1)
            catalog = f"{scheme}://{user.split(':', 1)[0]}@{host}"
        elif "password=" in catalog:
            catalog = " ".join(p for p in catalog.split() if not p.startswith("password="))
        return f"DuckLake {catalog} (data {self.data_path or 'as the catalog records'})"


def parse_warehouse(value: str | None, data_path: str | None = None) -> LakeConfig | Path | None:
    """Read a ``KHABAR_WAREHOUSE`` value.

    Returns:
        ``None`` (the default DuckDB file), a ``Path`` (``duckdb:PATH``), or a ``LakeConfig``.

    Raises:
        WarehouseError: not one of the accepted forms, or an empty catalog.
    """
    text = (value or "").strip()
    if not text:
        return None
    if text.startswith("duckdb:"):
        path = text.removeprefix("duckdb:")
        if not path:
            raise WarehouseError(f"{WAREHOUSE_ENV}={value!r} names no file: use {_FORMS}")
        return Path(path)
    if text.startswith("ducklake:"):
        rest = text.removeprefix("ducklake:")
        if rest.startswith(_POSTGRES_URL):  # ducklake:postgres://… is a URL, not a prefix
            catalog = rest
        elif rest.startswith("postgres:"):
            catalog = rest.removeprefix("postgres:")
        else:
            raise WarehouseError(
                f"{WAREHOUSE_ENV}={value!r}: khabar's DuckLake keeps its catalog in PostgreSQL "
                f"(several workers write it): use {_FORMS}")
        if not catalog.strip() or catalog.rstrip("/") in ("postgres:", "postgresql:"):
            raise WarehouseError(f"{WAREHOUSE_ENV}={value!r} names no PostgreSQL database: "
                                 f"use {_FORMS}")
        data = (data_path or "").strip() or None
        if data is not None:
            data = str(Path(data).expanduser().absolute())
        return LakeConfig(catalog=catalog, data_path=data)
    raise WarehouseError(f"{WAREHOUSE_ENV}={value!r} is not a warehouse: use {_FORMS}")


def configured_lake() -> LakeConfig | None:
    """The DuckLake ``KHABAR_WAREHOUSE`` names, or ``None`` when it names the DuckDB file."""
    found = parse_warehouse(os.environ.get(WAREHOUSE_ENV), os.environ.get(LAKE_DATA_ENV))
    return found if isinstance(found, LakeConfig) else None
