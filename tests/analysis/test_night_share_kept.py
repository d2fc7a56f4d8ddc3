"""The night share of each feature's requests (the batch lever's assumption) is kept on the
charge index per period and write stamp: asked again it is the same, and a metric written
since is counted."""

from __future__ import annotations

import datetime as dt

from worthit.analysis.allocation import allocate
from worthit.analysis.charge_index import charge_index
from worthit.analysis.model_swap import _night_and_total, _night_share_of, swap_data
from worthit.core.periods import Period
from worthit.store.cache import Cache
from worthit.store.metrics import add_metrics
from worthit.store.rules import load_rules


def test_the_night_share_is_kept_until_a_metric_is_written(demo_cache: Cache,
                                                           demo_end: dt.date) -> None:
    period = Period(demo_end - dt.timedelta(days=29), demo_end)
    first = swap_data(demo_cache, period, units=False)
    assert first.night_share, "the demo has hourly requests"
    assert swap_data(demo_cache, period, units=False).night_share is first.night_share
    pieces = allocate(charge_index(demo_cache), tuple(load_rules(demo_cache)), period).pieces
    assert first.night_share == _night_share_of(_night_and_total(demo_cache), pieces)
    owned = pieces[(pieces["team"] != "Unallocated")
                   & pieces["resource"].isin(list(_night_and_total(demo_cache)))]
    resource, feature = str(owned["resource"].iloc[0]), str(owned["feature"].iloc[0])
    with demo_cache.transaction() as conn:
        add_metrics(conn, [("test", f"{demo_end}T02:00:00", "hour", resource, "Requests",
                            "Sum", 1e9, "Count")])
    again = swap_data(demo_cache, period, units=False)
    assert again.night_share is not first.night_share
    assert again.night_share[feature] > first.night_share.get(feature, 0.0)
    assert again.night_share == _night_share_of(_night_and_total(demo_cache), pieces)
