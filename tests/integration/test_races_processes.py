"""Two real processes write the same rows at the same instant, on SQLite and PostgreSQL.

Runs bench/races.py's scenarios on the test's own database and prints their counts
(pytest -s shows them). Before the locks, PostgreSQL lost a table row in most trials and
let both newcomers in on a single-use invite in every trial; SQLite lost a row in every
trial of events without an id.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import races as bench

pytestmark = [pytest.mark.slow, pytest.mark.dialect]
TRIALS = 30


@pytest.mark.parametrize("scenario", ["table_row", "table_row_without_ids"])
def test_two_leads_typing_rows_of_one_table_at_once_lose_no_row(
    database_url: str, scenario: str
) -> None:
    counts = bench.scenario(database_url, scenario, TRIALS)
    print(json.dumps(counts))
    assert counts["exit_codes"] == [0, 0]
    assert counts["lost_row"] == 0


def test_two_newcomers_opening_one_single_use_invite_at_once_join_once(
    database_url: str,
) -> None:
    counts = bench.scenario(database_url, "invite", TRIALS)
    print(json.dumps(counts))
    assert counts["exit_codes"] == [0, 0]
    assert (counts["redeemed_twice"], counts["joined"], counts["max_uses"]) == (0, TRIALS, 1)
