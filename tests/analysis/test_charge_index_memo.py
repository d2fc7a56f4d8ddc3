"""The charge index remembers results (:meth:`ChargeIndex.remember`) and forgets what went
unasked for longest once it holds more than it keeps: a result every page asks for (the
whole range's sums) stays however many periods are browsed meanwhile."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from worthit.analysis import charge_index as module
from worthit.analysis.charge_index import build_index
from worthit.store.cache import Cache


def test_a_result_asked_for_again_outlives_newer_ones(tmp_path: Path) -> None:
    with Cache.open(tmp_path / "worthit.sqlite") as cache:
        cache.replace_charges("s", dt.date(2026, 1, 1), dt.date(2026, 1, 1), [])
        index = build_index(cache)
    computed: list[str] = []

    def ask(key: str) -> str:
        return index.remember(key, lambda: computed.append(key) or key.upper())

    assert ask("whole") == "WHOLE"
    for n in range(3 * module._MEMO_SIZE):
        ask(f"period {n}")
        assert ask("whole") == "WHOLE"  # asked for between every period: never forgotten
    assert computed.count("whole") == 1
    assert len(index.memo) == module._MEMO_SIZE
    ask("period 0")  # asked for longest ago: forgotten, computed again
    assert computed.count("period 0") == 2
