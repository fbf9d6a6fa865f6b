"""The DuckDB warehouse: schema migrations, run loads, queries. The only package with SQL."""

from warehouse.db import WarehouseError, connect

__all__ = ["WarehouseError", "connect"]
