"""Running the workspace's sources into the cache.

Each source syncs on its own, in its own transaction: one that fails (a file gone, a bill
refused) is recorded and reported, and the others still run. A cancel stops the source
under way (its transaction rolls back) and the ones after it; what had finished stays.

A file source re-imports its files when any of them changed since the last import (size
or modification time), so a folder that a cloud export keeps filling can be synced on a
schedule. Live API sources join here as connectors (each a module in ``sources``). A live
source whose vendor names its ids (API keys, projects, users) lists them after its charges
(:mod:`worthit.sources.vendor_names`) and they are written with its run; a list it could not
read is a warning in the outcome, never a failure of the sync."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from worthit.core.errors import Cancelled, UserError
from worthit.core.plural import plural
from worthit.sources.bill import TOLERANCE, BillFile, never
from worthit.sources.commitment_terms import stated
from worthit.store.cache import Cache
from worthit.store.charges import newest_day, source_totals
from worthit.store.commitments import write_commitments
from worthit.store.metrics import write_facts
from worthit.store.names import write_names
from worthit.store.sources import (
    all_sources,
    kind_and_settings,
    record_run,
    remember_state,
    source_id_of,
)
from worthit.store.syncs import last_written
from worthit.sync.importer import FORMATS, import_files
from worthit.workspace import identity

if TYPE_CHECKING:
    from worthit.sources.connectors import Connector
    from worthit.sources.vendor_names import Names

#: Told which source is under way and the fraction of it done.
SyncProgress = Callable[[str, float], None]
RESULTS: Final = ("ok", "unchanged", "failed", "cancelled", "skipped")


@dataclass(frozen=True)
class Outcome:
    source: str
    result: str
    message: str
    rows_read: int = 0
    rows_written: int = 0
    seconds: float = 0.0
    requests: int = 0
    #: What went wrong without failing the sync (a list of names the key may not read).
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The outcome's fields; ``warnings`` only when there are some."""
        out = asdict(self)
        out["warnings"] = list(self.warnings)
        if not self.warnings:
            del out["warnings"]
        return out


def sync(cache: Cache, names: Sequence[str] | None = None, *, force: bool = False,
         window: tuple[dt.date | None, dt.date | None] = (None, None),
         cancelled: Callable[[], bool] = never,
         progress: SyncProgress | None = None) -> list[Outcome]:
    """Sync the named sources (default all), each on its own. ``window`` overrides a live
    source's days (from, to; either may be None for its usual choice)."""
    sources = all_sources(cache)
    if names:
        unknown = sorted(set(names) - {s["name"] for s in sources})
        if unknown:
            raise UserError(f"There is no source {', '.join(map(repr, unknown))}.")
        sources = [s for s in sources if s["name"] in names]
    outcomes: list[Outcome] = []
    for source in sources:
        if cancelled():
            outcomes.append(Outcome(source["name"], "cancelled", "not started: cancelled"))
            continue
        outcomes.append(_one(cache, source["name"], source["kind"],
                             json.loads(source["settings"] or "{}"), force, window,
                             cancelled, progress))
    return outcomes


def _one(cache: Cache, name: str, kind: str, settings: dict[str, Any], force: bool,
         window: tuple[dt.date | None, dt.date | None], cancelled: Callable[[], bool],
         progress: SyncProgress | None) -> Outcome:
    began = time.perf_counter()
    files = settings.get("files")
    from worthit.sources.connectors import connectors

    connector = connectors().get(kind)
    if connector is not None:
        return _pull(cache, name, connector, settings, window, cancelled, progress, began)
    if not files:
        what = "the demo's data is generated, not synced" if kind == "demo" else \
            f"a {kind} source has no connector in this version"
        return Outcome(name, "skipped", what)
    paths = [Path(f["path"]) for f in files]
    gone = [str(p) for p in paths if not p.is_file()]
    if gone:
        message = (f"source {name!r}: {', '.join(gone)} no longer exists; import the files "
                   "again from where they are now")
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        record_run(cache, name, started, None, None, 0, 0, None, None, "failed", message)
        return Outcome(name, "failed", message)
    try:
        if not force and all(_unchanged(f) for f in files):
            return Outcome(name, "unchanged", "its files have not changed since the last "
                           "import")
        fmt = kind.removesuffix("-file")
        done = import_files(
            cache, paths, kind=fmt if fmt in FORMATS else "auto", source=name,
            cancelled=cancelled,
            progress=(lambda share: progress(name, share)) if progress else None)
    except Cancelled:
        return Outcome(name, "cancelled", "cancelled: nothing changed",
                       seconds=time.perf_counter() - began)
    except UserError as error:
        return Outcome(name, "failed", str(error), seconds=time.perf_counter() - began)
    written = last_written(cache, name)
    first, last = min(d.first for d in done), max(d.last for d in done)
    return Outcome(name, "ok", f"{plural(len(done), 'file')}, {first} to {last}",
                   sum(d.rows_read for d in done), int(written or 0),
                   time.perf_counter() - began)


def _unchanged(file: dict[str, Any]) -> bool:
    stat = Path(file["path"]).stat()
    return (stat.st_size, stat.st_mtime_ns) == (file.get("size"), file.get("mtime_ns"))


def _pull(cache: Cache, name: str, connector: Connector, settings: dict[str, Any],
          window: tuple[dt.date | None, dt.date | None], cancelled: Callable[[], bool],
          progress: SyncProgress | None, began: float) -> Outcome:
    """One live source: fetch its window of days and replace them, reconciled."""
    from worthit import secrets

    source_id = str(source_id_of(cache, name))
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    found = BillFile(Path(name))
    secret: str | None = None
    try:
        if connector.wants_secret(settings):
            secret = secrets.load(name, workspace=identity(cache))
            if not secret:
                raise UserError(f"source {name!r} has no {connector.secret} in the system "
                                f"keyring: add it with `worthit sources key {name}`")
        held_day, today = newest_day(cache, source_id), dt.datetime.now(dt.UTC).date()
        start, end = connector.window(held_day, today)
        if connector.scan is not None and window == (None, None):
            days = connector.scan(settings, secret, found, held_day, today, cancelled=cancelled)
            if days is None:
                record_run(cache, source_id, started, None, None, 0, 0, None, None, "ok", None,
                           requests=found.requests)
                return Outcome(name, "unchanged", f"nothing new{_cost(connector, found)}",
                               seconds=time.perf_counter() - began, requests=found.requests)
            start, end = days
        start, end = window[0] or start, window[1] or end
        if start > end:
            raise UserError(f"source {name!r}: the window {start} to {end} is empty")
        totals: dict[str, float] = {}

        def reconcile(conn: Any, days: tuple[str, str] | None) -> None:
            del days  # the window given
            billed, effective = source_totals(conn, source_id, start.isoformat(),
                                              end.isoformat())
            totals.update(billed=billed, effective=effective)
            if abs(billed - found.billed) > TOLERANCE or \
                    abs(effective - found.effective) > TOLERANCE:
                raise UserError(f"source {name!r}: the API's total ({found.billed:.6f}) and "
                                f"the cache's ({billed:.6f}) differ by more than $0.01; "
                                "nothing was changed")
            # Metrics and inventory (not money: nothing to reconcile) go in with the run,
            # and so do the names of the vendor's ids (not counted as rows written).
            totals["facts"] = write_facts(conn, source_id, start, end, found.metrics,
                                          found.resources)
            # What the charges state about their commitments, as `worthit import` keeps it.
            write_commitments(conn, source_id, notes.rows())
            if listed is not None:
                write_names(conn, listed.provider, listed.names)

        # Fetched before the write transaction: it must not hold the cache's lock through
        # HTTP calls and their retries. A window of daily aggregates fits in memory.
        rows = list(connector.pull(
            settings, secret, start, end, found, cancelled=cancelled,
            progress=(lambda share: progress(name, share)) if progress else None,
            **({"folder": cache.path.parent} if connector.downloads else {})))
        listed = _names(connector, settings, secret, found, cancelled)
        notes = stated(found)  # a CUR's reader noted its lines' terms here already
        for row in rows:
            row[0] = source_id
            notes.charge(row)
        written = cache.replace_charges(source_id, start, end, rows, check=reconcile)
        written += int(totals.get("facts", 0))
    except (UserError, Cancelled) as error:
        cancel = isinstance(error, Cancelled)
        message = "cancelled: nothing changed" if cancel else \
            secrets.redact(str(error), [secret] if secret else [])
        record_run(cache, source_id, started, None, None, found.rows_read, 0, None, None,
                   "cancelled" if cancel else "failed", message, requests=found.requests)
        return Outcome(name, "cancelled" if cancel else "failed", message,
                       seconds=time.perf_counter() - began)
    record_run(cache, source_id, started, start, end, found.rows_read, written,
               (totals["billed"], totals["effective"]), (found.billed, found.effective),
               "ok", None, requests=found.requests)
    if found.state != settings.get("state", {}):
        remember_state(cache, source_id, settings, found.state)
    warnings = tuple(secrets.redact(w, [secret] if secret else [])
                     for w in (listed.warnings if listed is not None else ()))
    said = "".join(f"; warning: {w}" for w in warnings)
    return Outcome(name, "ok", f"{start} to {end}{_cost(connector, found)}{said}",
                   found.rows_read, written, time.perf_counter() - began, found.requests,
                   warnings)


def _names(connector: Connector, settings: dict[str, Any], secret: str | None,
           found: BillFile, cancelled: Callable[[], bool]) -> Names | None:
    """The names the connector's vendor gives its ids, or None when it names none. Fetched,
    like the charges, before the write transaction."""
    from worthit.sources.vendor_names import lister_of

    lister = lister_of(connector.kind)
    return None if lister is None else lister(settings, secret, found, cancelled)


def _cost(connector: Connector, found: BillFile) -> str:
    """What the sync's requests were, and cost where the vendor bills them."""
    price = f" (${found.requests * connector.request_price:,.2f})" \
        if connector.request_price else ""
    return f"; {plural(found.requests, 'API request')}{price}" if found.requests else ""


def test_source(cache: Cache, name: str) -> str:
    """Test a live source's connection: what it found, or a UserError saying what is
    wrong (with the secret redacted)."""
    from worthit import secrets
    from worthit.sources.connectors import connectors

    kind, settings = kind_and_settings(cache, name)
    connector = connectors().get(kind)
    if connector is None or connector.test is None:
        raise UserError(f"Source {name!r} ({kind}) has no connection to test.")
    needed = connector.wants_secret(settings)
    secret = secrets.load(name, workspace=identity(cache)) if needed else None
    if needed and not secret:
        raise UserError(f"source {name!r} has no {connector.secret} in the system keyring: "
                        f"add it with `worthit sources key {name}`")
    try:
        return connector.test(settings, secret)
    except UserError as error:
        raise UserError(secrets.redact(str(error), [secret] if secret else [])) from None
