"""Importing billing files into the cache: recognise, read, reconcile, replace, record.

A file's charges replace its source's charges for the days the file covers and, whatever
file held them, the old charges of every bill it holds (:mod:`worthit.sources.bills`): a
bill is its provider, billing account and billing period, so the same bill imported under
two names counts once and a restatement replaces its whole billing period. Only charges of
file sources are replaced (a live API source's never are), and a source left without
charges stays listed, its runs being history. All in one transaction that also checks the
reconciliation: the file's own billed and effective totals must equal what landed in the
cache to $0.01, or nothing lands. Every attempt, refused or not, is recorded in
``sync_runs``."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from worthit.core.daily import DailyCharges
from worthit.core.errors import BadInput, Cancelled, UserError
from worthit.sources.bill import (
    TOLERANCE,
    BillFile,
    Progress,
    Table,
    TextFile,
    check_file,
    check_separator,
    never,
)
from worthit.sources.bills import Bill
from worthit.sources.commitment_terms import stated
from worthit.store.bills import remove_bill
from worthit.store.cache import Cache
from worthit.store.charges import source_totals
from worthit.store.commitments import write_commitments
from worthit.store.sources import record_run, save_file_source, settings_by_name, source_id_of

Reader = Callable[..., Iterator[list[Any]]]

FORMATS: Final = ("auto", "focus", "aws-cur", "azure", "gcp", "otlp-traces", "litellm-spend",
                  "usage-csv")
#: Request traces (worthit.sources.traces): imported as usage, not charges.
TRACE_KINDS: Final = ("otlp-traces", "litellm-spend", "usage-csv")


@dataclass(frozen=True)
class Replaced:
    """The old charges of one bill, in one source, that an import replaced."""

    source: str
    bill: Bill
    charges: int
    billed: float
    effective: float
    currency: str | None

    def __str__(self) -> str:
        money = f"{self.billed:,.2f} {self.currency}" if self.currency else \
            f"{self.billed:,.2f}"
        return (f"replaced {self.charges:,} charges ({money}) of source {self.source!r} "
                f"for {self.bill.label()}")

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source, "provider": self.bill.provider,
            "billing_account": self.bill.account, "subscription": self.bill.subscription,
            "billing_period": {"from": self.bill.start.isoformat(),
                               "to": (self.bill.end - dt.timedelta(days=1)).isoformat()},
            "charges": self.charges, "billed": round(self.billed, 6),
            "effective": round(self.effective, 6), "currency": self.currency,
        }


@dataclass(frozen=True)
class ImportResult:
    path: Path
    kind: str
    source: str
    first: dt.date
    last: dt.date
    rows_read: int
    #: Charges written, and the cache's totals for the days replaced: for the source
    #: as a whole, so None for each of several files imported together.
    rows_written: int | None
    currency: str
    file_billed: float
    file_effective: float
    cache_billed: float | None
    cache_effective: float | None
    seconds: float
    #: The old charges of the file's bills it replaced (in this or other file sources).
    replaced: tuple[Replaced, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.path), "kind": self.kind, "source": self.source,
            "period": {"from": self.first.isoformat(), "to": self.last.isoformat()},
            "rows_read": self.rows_read, "rows_written": self.rows_written,
            "currency": self.currency,
            "billed": {"file": round(self.file_billed, 6), "cache": _round(self.cache_billed)},
            "effective": {"file": round(self.file_effective, 6),
                          "cache": _round(self.cache_effective)},
            "replaced": [r.to_json() for r in self.replaced],
            "result": "ok",
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def recognise(path: Path) -> str:
    """The kind of billing file, from its header."""
    from worthit.sources.aws_cur import is_cur
    from worthit.sources.azure import is_azure
    from worthit.sources.focus import is_focus
    from worthit.sources.gcp import is_gcp
    from worthit.sources.traces import trace_kind

    check_file(path)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    text = TextFile(path)
    first = None
    if path.suffix.lower() != ".parquet":
        first = next((line for line in text.lines() if line.strip()), None)
    if path.suffix.lower() == ".parquet":
        header = Table(path).header
    elif first is None:
        raise BadInput("the file is empty", file=str(path))
    elif first.lstrip().startswith(("{", "[")):
        header = []
    else:
        try:
            header = [h.strip() for h in next(csv.reader([first]))]
        except (csv.Error, StopIteration):
            header = []
        check_separator(header, str(path), 1)
    strict_focus = {"BilledCost", "ChargePeriodStart"}.issubset(header)
    for kind, matches in (("focus", lambda _: strict_focus), ("aws-cur", is_cur),
                          ("azure", is_azure), ("focus", is_focus)):
        if header and matches(header):
            return kind
    if first is not None and is_gcp(first):
        return "gcp"
    if first is not None and (traces := trace_kind(path, first)) is not None:
        return traces
    raise BadInput("not a file Worthit reads yet: it imports FOCUS 1.0 to 1.4 exports, AWS "
                   "CUR (legacy, Athena-style and CUR 2.0), Azure cost exports and GCP "
                   "billing exports (CSV, CSV.gz or Parquet; newline JSON for GCP), and "
                   "request traces (OTLP/JSON, LiteLLM spend logs, usage CSV)",
                   file=str(path), line=1)


def _reader(kind: str) -> Reader:
    if kind == "aws-cur":
        from worthit.sources.aws_cur import read_cur

        return read_cur
    if kind == "gcp":
        from worthit.sources.gcp import read_gcp

        return read_gcp
    if kind == "azure":
        from worthit.sources.azure import read_azure

        return read_azure
    from worthit.sources.focus import read_focus

    return read_focus


def import_file(cache: Cache, path: Path, *, kind: str = "auto", source: str | None = None,
                cancelled: Callable[[], bool] = never,
                progress: Progress | None = None) -> ImportResult:
    """Import one file into its own source (``file:NAME`` unless given)."""
    return import_files(cache, [path], kind=kind, source=source, cancelled=cancelled,
                        progress=progress)[0]


def import_files(cache: Cache, paths: Sequence[Path], *, kind: str = "auto",
                 source: str | None = None, cancelled: Callable[[], bool] = never,
                 progress: Progress | None = None,
                 kept_from: int | None = None) -> list[ImportResult]:
    """Import files into one source, all or nothing, streaming them through in batches:
    the source's charges for the days the files cover are replaced by theirs. (The parts
    of one month's CUR go in together, or each would replace the last.) ``kept_from``, the
    last load (:meth:`Cache.last_load`) taken before a command imported several files
    one by one, keeps the charges written since from being replaced: files given together
    are parts of their bills, not versions of each other. A refusal raises
    :class:`UserError`, a cancel :class:`Cancelled`; either is recorded as the source's
    run and leaves the cache as it was."""
    began = time.perf_counter()
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    paths = list(dict.fromkeys(Path(os.path.abspath(p)) for p in paths))  # each file once
    if not paths:
        raise UserError("no files to import")
    name = source or _default_name(cache, paths[0])
    # A renamed source keeps its id: charges and runs stay with it.
    source_id = source_id_of(cache, name) or name
    files = [BillFile(path) for path in paths]
    kinds: list[str] = []
    try:
        if kind not in FORMATS:
            raise UserError(f"unknown format {kind!r}; one of {', '.join(FORMATS)}")
        kinds = [recognise(path) if kind == "auto" else kind for path in paths]
        if set(kinds) & set(TRACE_KINDS):
            return _import_traces(cache, paths, kinds, source, cancelled)
        if len(paths) == 1 and kinds == ["focus"] and _contract_commitments(paths[0]):
            from worthit.sync.contract_commitments import import_contract_commitments

            name = source or f"commitments:{paths[0].name}"
            return [import_contract_commitments(  # type: ignore[list-item]
                cache, paths[0], source=name, source_id=source_id_of(cache, name) or name)]
        for path in paths:
            check_file(path)
            if not path.is_file():
                raise UserError(f"{path}: no such file")
        # How each file looked before it was read: recorded for the next sync, and checked
        # after reading, so a file written to meanwhile is refused rather than half-read.
        fingerprints = [_fingerprint(path) for path in paths]
        totals: dict[str, float] = {}

        def reconcile(conn: sqlite3.Connection, days: tuple[str, str] | None) -> None:
            assert days is not None  # every file has a charge, or its reader refused it
            billed, effective = source_totals(conn, source_id, *days)
            totals.update(billed=billed, effective=effective)
            currencies = {f.currency for f in files}
            if len(currencies) > 1:
                raise UserError(f"the files of source {name!r} are in different currencies "
                                f"({', '.join(sorted(map(str, currencies)))}); import them "
                                "into separate sources")
            where = str(paths[0]) if len(paths) == 1 else f"source {name!r}"
            for what, mine, theirs in (("billed", billed, sum(f.billed for f in files)),
                                       ("effective", effective,
                                        sum(f.effective for f in files))):
                if not abs(mine - theirs) <= TOLERANCE:  # NaN differs too
                    raise UserError(
                        f"{where}: the {what} cost in the file ({theirs:.6f}) and in the "
                        f"cache ({mine:.6f}) differ by more than $0.01; nothing was imported")
            for path, before in zip(paths, fingerprints, strict=True):
                if _fingerprint(path) != before:
                    raise UserError(f"{path}: the file changed while it was read (its size "
                                    "or modification time moved); nothing was imported. "
                                    "Import it again once it is complete.")
            _ensure_source(conn, source_id, name, kinds, fingerprints)
            # What the files state about their commitments lands with their charges.
            write_commitments(conn, source_id,
                              [row for f in files for row in stated(f).rows()])

        def rows() -> Iterator[list[Any] | DailyCharges]:
            for number, (path, found, read) in enumerate(
                    zip(paths, files, map(_reader, kinds), strict=True)):
                def step(share: float, number: int = number) -> None:
                    if progress is not None:
                        progress((number + share) / len(paths))

                notes = stated(found)
                for row in read(path, found, cancelled=cancelled, progress=step):
                    for charge in row.keys if isinstance(row, DailyCharges) else (row,):
                        charge[0] = source_id
                        notes.charge(charge)
                    yield row

        replaced: list[list[Replaced]] = [[] for _ in files]

        def supersede(conn: sqlite3.Connection, before: int) -> None:
            """Delete the old charges (loads up to ``before``) of the files' bills."""
            if kept_from is not None:
                before = min(before, kept_from)
            replaced[:] = [[] for _ in files]
            done: set[Bill] = set()
            for found, into in zip(files, replaced, strict=True):
                for bill in sorted(found.bills - done, key=_order):
                    done.add(bill)
                    into.extend(_supersede(conn, bill, before, source_id, name))

        written = cache.replace_charges(source_id, None, None, rows(), check=reconcile,
                                        supersede=supersede)
    except (UserError, Cancelled) as error:
        outcome = "cancelled" if isinstance(error, Cancelled) else "failed"
        record_run(cache, source_id, started, None, None, sum(f.rows_read for f in files), 0, None,
                None, outcome, str(error) or "cancelled by the user")
        raise
    if progress is not None:
        progress(1.0)
    seconds = time.perf_counter() - began
    first = min(f.first for f in files if f.first)
    last = max(f.last for f in files if f.last)
    record_run(cache, source_id, started, first, last, sum(f.rows_read for f in files), written,
            (totals["billed"], totals["effective"]),
            (sum(f.billed for f in files), sum(f.effective for f in files)), "ok", None)
    single = len(files) == 1
    return [ImportResult(f.path, k, name, f.first, f.last, f.rows_read,  # type: ignore[arg-type]
                         written if single else None, f.currency,  # type: ignore[arg-type]
                         f.billed, f.effective,
                         totals["billed"] if single else None,
                         totals["effective"] if single else None, seconds, tuple(r))
            for f, k, r in zip(files, kinds, replaced, strict=True)]


def _contract_commitments(path: Path) -> bool:
    """Whether ``path`` is a FOCUS ContractCommitment dataset (its header says)."""
    from worthit.sources.bill import Table
    from worthit.sources.focus import dataset_of

    try:
        return dataset_of(Table(path).header) == "ContractCommitment"
    except (UserError, OSError):
        return False  # the usual reading says what is wrong with it


def _import_traces(cache: Cache, paths: Sequence[Path], kinds: Sequence[str],
                   source: str | None, cancelled: Callable[[], bool]) -> list[Any]:
    """Trace files (:mod:`worthit.sync.traces`), each into its own source: traces hold
    no charges, so a bill and traces never import together."""
    from worthit.sync.traces import import_traces

    if not set(kinds) <= set(TRACE_KINDS) or (source is not None and len(paths) > 1):
        raise UserError("import trace files one by one, apart from bills")
    return [import_traces(cache, path, kind, source=source,
                          source_id=source_id_of(cache, source or f"traces:{path.name}"),
                          cancelled=cancelled)
            for path, kind in zip(paths, kinds, strict=True)]


def _order(bill: Bill) -> tuple[Any, ...]:
    return (bill.start, bill.end, *(v or "" for v in bill[:3]))


def _supersede(conn: sqlite3.Connection, bill: Bill, before: int, source_id: str,
               name: str) -> list[Replaced]:
    """Delete the old charges of ``bill`` in file sources (the importing one included),
    saying how many of each source's went."""
    removed = remove_bill(conn, bill.provider, bill.account, bill.subscription, bill.start,
                          bill.end, before=before, source_id=source_id)
    out = []
    for r in removed:
        named = r.name
        if named is None:  # no row yet: the importing source's goes in with its charges
            named = name if r.source_id == source_id else r.source_id
        out.append(Replaced(named, bill, r.charges, r.billed, r.effective, r.currency))
    return out


def _default_name(cache: Cache, path: Path) -> str:
    """``file:NAME``, or, when a source of that name holds another file (exports reuse
    names like ``cur-00001.csv.gz`` across folders), ``file:FOLDER/NAME`` and a number."""
    candidates = [f"file:{path.name}", f"file:{path.parent.name}/{path.name}"]
    candidates += [f"{candidates[1]} ({n})" for n in range(2, 100)]
    known = settings_by_name(cache)
    for name in candidates:
        settings = known.get(name)
        if settings is None:
            return name
        files = json.loads(settings or "{}").get("files") or []
        if [f.get("path") for f in files] == [str(path.resolve())]:
            return name
    raise UserError(f"{path}: too many sources named after it; import it with --source")


def _ensure_source(conn: sqlite3.Connection, source_id: str, name: str, kinds: list[str],
                   fingerprints: Sequence[dict[str, Any]]) -> None:
    """The files' source, written with their charges (so a refused file leaves none), and
    what it was made of (as it was before being read), for the Sources page and the next
    sync."""
    kind = f"{kinds[0]}-file" if len(set(kinds)) == 1 else "files"
    save_file_source(conn, source_id, name, kind, {"files": list(fingerprints)})


def _fingerprint(path: Path) -> dict[str, Any]:
    """Where a file is and how it looked when imported: a sync re-imports it if changed."""
    stat = path.stat()
    return {"path": str(path.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


@dataclass(frozen=True)
class Preview:
    """What a file holds, read without writing anything: shown before an import."""

    path: Path
    kind: str
    first: dt.date
    last: dt.date
    rows: int
    billed: float
    effective: float
    currency: str


def preview_file(path: Path, *, kind: str = "auto", cancelled: Callable[[], bool] = never,
                 progress: Progress | None = None) -> Preview:
    """Read a whole file as an import would (every check included) and say what it holds;
    a bad file raises the same :class:`UserError` its import would."""
    found = BillFile(path)
    found_kind = recognise(path) if kind == "auto" else kind
    for _ in _reader(found_kind)(path, found, cancelled=cancelled, progress=progress):
        pass
    assert found.first is not None and found.last is not None and found.currency is not None
    return Preview(path, found_kind, found.first, found.last, found.rows_read, found.billed,
                   found.effective, found.currency)
