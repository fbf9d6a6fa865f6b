"""The DuckDB warehouse: schema migrations, run loads, queries. The only package with SQL."""

from warehouse.db import WarehouseError, connect
from warehouse.publish import after_load, connect_read_copy, publish_read_copy, read_copy_path

__all__ = [
    "WarehouseError",
    "after_load",
    "connect",
    "connect_read_copy",
    "publish_read_copy",
    "read_copy_path",
]
