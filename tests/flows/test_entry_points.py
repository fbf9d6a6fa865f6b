"""The flows' entry points record into the project's Prefect home."""

from __future__ import annotations

import os

from tests.support import ROOT


def test_entry_points_record_into_the_project_prefect_home(tmp_path):
    """``python -m flows.nightly`` and the other entry points keep their runs in the project's
    ``.prefect`` (the database the README's server and ``make demo`` use), not ``~/.prefect``;
    a PREFECT_HOME the user set wins."""
    import subprocess
    import sys

    root = ROOT
    probe = ("import flows.nightly; from prefect.settings import get_current_settings as s; "
             "print(s().home); print(s().server.database.connection_url.get_secret_value())")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_HOME"}
    env["HOME"] = str(tmp_path / "home")
    unset = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, text=True,
                           capture_output=True, timeout=120, check=True).stdout.splitlines()
    assert unset == [str(root / ".prefect"),
                     f"sqlite+aiosqlite:///{root / '.prefect' / 'prefect.db'}"], unset
    mine = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, text=True,
                          env={**env, "PREFECT_HOME": str(tmp_path / "mine")},
                          capture_output=True, timeout=120, check=True).stdout.splitlines()
    assert mine[0] == str(tmp_path / "mine")
