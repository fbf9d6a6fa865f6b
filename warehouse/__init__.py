"""The DuckDB warehouse: schema migrations, run loads, queries. The only package with SQL."""

from warehouse.db import WarehouseError, connect
from warehouse.health import check_space
from warehouse.publish import after_load, connect_read_copy, publish_read_copy, read_copy_path

__all__ = [
    "WarehouseError",
    "after_load",
    "check_space",
    "connect",
    "connect_read_copy",
    "publish_read_copy",
    "read_copy_path",
]
