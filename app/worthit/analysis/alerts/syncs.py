"""A sync that keeps failing: a source whose last ``failed_syncs`` runs (cancelled runs
aside) all failed. Figures from a source like that go stale without anyone noticing, so
it is an alert of its own, keyed by the source and the first failed run of the streak."""

from __future__ import annotations

from worthit.store.alerts import Alert, AlertSettings
from worthit.store.cache import Cache
from worthit.store.sources import all_sources
from worthit.store.syncs import failed_streak


def sync_alerts(cache: Cache, settings: AlertSettings) -> list[Alert]:
    alerts = []
    for source in all_sources(cache):
        streak = failed_streak(cache, source["source_id"], source["name"])
        if len(streak) < max(1, settings.failed_syncs):
            continue
        first, last = streak[0], streak[-1]
        subject = f"sync:{source['name']}"
        error = (last["error"] or "no error recorded").strip()
        alerts.append(Alert(
            f"{subject}:{first['run_id']}", subject, "sync", "warning",
            f"Source {source['name']!r} failed its last {len(streak)} syncs: its figures "
            f"stop at its last good sync",
            f"Source {source['name']!r}: {len(streak)} failed syncs in a row",
            series=f"Sync runs of {source['name']}", page="sources", focus=source["name"],
            numbers={
                "Failed runs in a row": str(len(streak)),
                "First failure": _when(first["finished_at"] or first["started_at"]),
                "Latest failure": _when(last["finished_at"] or last["started_at"]),
                "Latest error": error,
            }))
    return alerts


def _when(stamp: str | None) -> str:
    return "" if not stamp else stamp[:16].replace("T", " ") + " UTC"
