"""Real processes sweeping one PostgreSQL database: every reminder sent exactly once.

Runs bench/reminders_exactly_once.py's scenarios on the test run's PostgreSQL server and
prints their counts (pytest -s shows them).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.support.postgres import PostgresServer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import reminders_exactly_once as bench

pytestmark = [pytest.mark.slow, pytest.mark.dialect]


def test_two_processes_send_2000_due_reminders_exactly_once(
    postgres_server: PostgresServer,
) -> None:
    postgres_server.create_database("two_processes")
    counts = bench.scenario(
        postgres_server.url("two_processes"), "two_processes", 2000, Path(postgres_server.root)
    )
    print(json.dumps(counts))
    assert counts["messages"] == counts["distinct_sent"] == 2000
    assert (counts["sent_twice"], counts["never_sent"]) == (0, 0)
    assert counts["rows"] == {"sent": 2000}
    # Both processes took part: the claims really competed.
    assert len(counts["sent_per_process"]) == 2 and min(counts["sent_per_process"]) > 0


def test_a_process_killed_mid_sweep_and_restarted_loses_and_doubles_nothing(
    postgres_server: PostgresServer,
) -> None:
    postgres_server.create_database("killed_mid_sweep")
    counts = bench.scenario(
        postgres_server.url("killed_mid_sweep"),
        "killed_mid_sweep",
        600,
        Path(postgres_server.root),
    )
    print(json.dumps(counts))
    assert counts["killed_exit_code"] == -9
    assert counts["messages"] == counts["distinct_sent"] == 600
    assert (counts["sent_twice"], counts["never_sent"]) == (0, 0)
    assert counts["rows"] == {"sent": 600}
