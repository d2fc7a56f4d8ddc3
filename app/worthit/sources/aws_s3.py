"""AWS Data Exports and Cost and Usage Reports delivered to S3, imported with the CUR reader.

An export keeps one folder per billing period: ``yyyymmdd-yyyymmdd/`` (legacy CUR),
``BILLING_PERIOD=YYYY-MM/`` (CUR 2.0 and FOCUS exports) or ``year=YYYY/month=M/`` (CUR for
Athena). Each delivery rewrites the period's part files, and each part covers the whole
month, so a period is imported whole or not at all: its parts together replace the month.
Where a period holds several report versions (the "create new report version" setting), its
manifest (``reportKeys`` or ``dataFiles``) says which parts are current; without one, a
period whose parts lie in several folders is refused rather than counted twice.

A sync lists the prefix (ListObjectsV2) and compares each period's objects and ETags with
those imported last time (the source's state). The days it replaces are the span of the
changed periods; the unchanged periods inside the span are fetched again, since the cache
replaces a span of days whole. A span never reaches over a period the export no longer
holds but the cache does (a bucket's lifecycle may expire old reports; the cache keeps
them): periods changed beyond one wait for the next sync. Nothing changed: nothing is
downloaded. Each file goes to a temporary folder in the workspace, under a name of
Worthit's own (an object key is never a path), fetched only if its ETag is still the one
listed, read with the CUR reader, and removed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

from worthit.core.daily import DailyCharges, rows_of
from worthit.core.errors import BadInput, Cancelled, UserError
from worthit.core.plural import plural
from worthit.sources.aws import SECRET, SETTINGS, Api, needs_keys
from worthit.sources.bill import BillFile, Progress, never
from worthit.sources.connectors import Connector, Setting, register

TITLE: Final = "S3"
LIST: Final = "s3:ListBucket"
GET: Final = "s3:GetObject"
DATA: Final = (".csv.gz", ".csv", ".parquet")
CHUNK: Final = 1 << 20
PERIODS: Final = (
    re.compile(r"(?:^|/)(?P<start>\d{8})-(?P<end>\d{8})/"),
    re.compile(r"(?:^|/)BILLING_PERIOD=(?P<year>\d{4})-(?P<month>\d{2})/"),
    re.compile(r"(?:^|/)year=(?P<year>\d{4})/month=(?P<month>\d{1,2})/"),
)
log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # the last day, inclusive

    @property
    def name(self) -> str:
        return self.start.isoformat()


def period_of(key: str) -> Period | None:
    """The billing period whose folder holds ``key``, or None."""
    for pattern in PERIODS:
        match = pattern.search(key)
        if match is None:
            continue
        try:
            if "start" in match.groupdict():
                start = dt.datetime.strptime(match["start"], "%Y%m%d").date()
                end = dt.datetime.strptime(match["end"], "%Y%m%d").date() - \
                    dt.timedelta(days=1)
            else:
                start = dt.date(int(match["year"]), int(match["month"]), 1)
                end = _next_month(start) - dt.timedelta(days=1)
        except ValueError:
            continue
        if start <= end:
            return Period(start, end)
    return None


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def is_data(key: str) -> bool:
    return key.lower().endswith(DATA)


def is_manifest(key: str) -> bool:
    return key.lower().endswith("manifest.json")


class Export:
    """The export under a bucket's prefix, through one :class:`Api`."""

    def __init__(self, settings: dict[str, Any], secret: str | None, found: BillFile | None,
                 cancelled: Callable[[], bool]) -> None:
        self.bucket = str(settings.get("bucket") or "").strip()
        if not re.fullmatch(r"[a-z0-9][a-z0-9.\-_]{1,254}", self.bucket):
            raise UserError(f"the bucket setting {self.bucket[:80]!r} is not an S3 bucket "
                            "name (set it to the bucket the export is delivered to)")
        self.prefix = str(settings.get("prefix") or "").strip().lstrip("/")
        self.api = Api("s3", TITLE, settings, secret, found, cancelled)
        self.cancelled = cancelled

    def url(self, key: str = "") -> str:
        return f"s3://{self.bucket}/{key or self.prefix}"

    def objects(self) -> dict[str, str]:
        """Every object under the prefix: key → ETag (ListObjectsV2, page by page)."""
        found: dict[str, str] = {}
        params: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self.prefix}
        seen: set[str] = set()
        while True:
            page = self.call(self.url(), "list_objects_v2", LIST, **params)
            for item in page.get("Contents") or []:
                if isinstance(item, dict) and isinstance(item.get("Key"), str):
                    found[item["Key"]] = str(item.get("ETag") or "")
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return found
            if token in seen:
                raise BadInput("the same continuation token came twice: the listing goes "
                               "round in a circle", file=f"AWS S3 {self.url()}")
            seen.add(token)
            params["ContinuationToken"] = token

    def periods(self, objects: dict[str, str]) -> dict[str, dict[str, Any]]:
        """Each billing period's objects (data files and manifests), by the period's first
        day: ``{"end": last day, "objects": {key: ETag}}``."""
        periods: dict[str, dict[str, Any]] = {}
        for key, etag in sorted(objects.items()):
            period = period_of(key)
            if period is None or not (is_data(key) or is_manifest(key) or
                                      key.lower().endswith(".zip")):
                continue
            entry = periods.setdefault(period.name, {"end": period.end.isoformat(),
                                                     "objects": {}})
            entry["objects"][key] = etag
        if not periods:
            raise UserError(f"{self.url()} holds no Cost and Usage Report files: expected "
                            "billing period folders like 20250301-20250401/ or "
                            "BILLING_PERIOD=2025-03/ under the prefix; check the bucket and "
                            "prefix settings")
        return periods

    def call(self, url: str, operation: str, action: str, **params: Any) -> dict[str, Any]:
        """A call whose refusal names the bucket or object it was about."""
        try:
            return self.api.call(operation, action, **params)
        except BadInput as error:
            if "(PreconditionFailed" in str(error):  # IfMatch: not the ETag listed
                raise BadInput("changed while it was being synced; sync again",
                               file=url) from None
            raise BadInput(str(error), file=url) from None

    def get(self, key: str, etag: str, into: Path) -> str:
        """Download ``key`` into ``into`` if its ETag is still ``etag``; the ETag."""
        import botocore.exceptions

        answer = self.call(self.url(key), "get_object", GET, Bucket=self.bucket, Key=key,
                           **({"IfMatch": etag} if etag else {}))
        body = answer["Body"]
        try:
            with into.open("wb") as out:
                for chunk in body.iter_chunks(CHUNK):
                    if self.cancelled():
                        raise Cancelled
                    out.write(chunk)
        except (botocore.exceptions.BotoCoreError, OSError) as error:
            raise BadInput(f"could not be downloaded ({type(error).__name__}: "
                           f"{self.api.clean(str(error))})", file=self.url(key)) from None
        finally:
            body.close()
        return str(answer.get("ETag") or etag)

    def parts(self, name: str, objects: dict[str, str], into: Path) -> list[str]:
        """The current parts of a period: its manifest's, else its data files, which must
        then lie in one folder (several are several report versions)."""
        for key in objects:
            if key.lower().endswith(".zip"):
                raise BadInput("is compressed as ZIP, which Worthit does not read: set the "
                               "report's compression to GZIP or Parquet", file=self.url(key))
        manifests = sorted((k for k in objects if is_manifest(k)), key=lambda k: k.count("/"))
        if manifests:
            top = [k for k in manifests if k.count("/") == manifests[0].count("/")]
            listed = self._manifest(top[0], objects[top[0]], into) if len(top) == 1 else None
            if listed is not None:
                missing = [k for k in listed if k not in objects]
                if missing:
                    raise BadInput(f"lists {missing[0]}, which is not under the prefix (yet): "
                                   "sync again once the delivery is complete",
                                   file=self.url(top[0]))
                return listed
        data = [k for k in objects if is_data(k)]
        folders = {k.rpartition("/")[0] for k in data}
        if len(folders) > 1:
            raise BadInput(f"the billing period from {name} has report files in "
                           f"{len(folders)} folders and no manifest to say which are "
                           "current: set the prefix to one report's folder",
                           file=self.url())
        return data

    def _manifest(self, key: str, etag: str, into: Path) -> list[str] | None:
        """The data files a manifest names, as keys; None when it names none."""
        path = into / "manifest.json"
        self.get(key, etag, path)
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            raise BadInput(f"is not a JSON manifest ({error})", file=self.url(key)) from None
        finally:
            path.unlink(missing_ok=True)
        listed = manifest.get("reportKeys") or manifest.get("dataFiles") \
            if isinstance(manifest, dict) else None
        if not isinstance(listed, list) or not listed:
            return None
        keys = []
        for item in listed:
            if not isinstance(item, str):
                raise BadInput(f"names {item!r}, not an object key", file=self.url(key))
            keys.append(item.removeprefix(f"s3://{self.bucket}/"))
        return [k for k in keys if is_data(k)]


def scan(settings: dict[str, Any], secret: str | None, found: BillFile,
         held: dt.date | None, today: dt.date, *,
         cancelled: Callable[[], bool] = never) -> tuple[dt.date, dt.date] | None:
    """List the export; the span of the billing periods that changed since the last sync
    (None when none did). The listing and what will be imported go in ``found.state``."""
    del held, today
    export = Export(settings, secret, found, cancelled)
    now = export.periods(export.objects())
    old = _periods(settings)
    changed = sorted(p for p in now if old.get(p, {}).get("objects") != now[p]["objects"])
    if not changed:
        found.state = {"periods": old}
        return None
    order = sorted(set(now) | set(old))
    span: list[str] = []
    for name in reversed(order[:order.index(changed[-1]) + 1]):
        if name not in now:  # held in the cache, gone from the bucket: not to be replaced
            break
        span.insert(0, name)
        if name == changed[0]:
            break
    later = [p for p in changed if p < span[0]]
    if later:
        log.warning("%s: %d more changed billing period(s) before %s wait for the next sync",
                    export.url(), len(later), span[0])
    found.state = {"periods": {**old, **{p: now[p] for p in span}}}
    return dt.date.fromisoformat(span[0]), dt.date.fromisoformat(now[span[-1]]["end"])


def pull(settings: dict[str, Any], secret: str | None, start: dt.date, end: dt.date,
         found: BillFile, *, cancelled: Callable[[], bool] = never,
         progress: Progress | None = None, folder: Path | None = None) -> Iterator[list[Any]]:
    """The charges of the billing periods overlapping ``start``..``end``, every part of each
    (only their days in the window when a period reaches beyond it)."""
    from worthit.sources.aws_cur import read_cur

    export = Export(settings, secret, found, cancelled)
    if found.state:  # scan listed the export just now, and chose these days
        periods = found.state["periods"]
        wanted = {p: e for p, e in periods.items() if _overlaps(p, e, start, end)}
    else:  # days the user gave: list now
        periods = _periods(settings)
        now = export.periods(export.objects())
        gone = [p for p in periods if p not in now and _overlaps(p, periods[p], start, end)]
        if gone:
            raise UserError(f"{export.url()} no longer holds the billing period from "
                            f"{gone[0]}, which the cache does: sync days that leave it out")
        wanted = {p: e for p, e in now.items() if _overlaps(p, e, start, end)}
        for name, entry in wanted.items():
            if _inside(name, entry, start, end):  # replaced whole: imported as it is now
                periods[name] = entry
            else:  # replaced in part: the next sync still sees it as changed
                periods.pop(name, None)
    found.state = {"periods": periods}
    with tempfile.TemporaryDirectory(prefix=".worthit-s3-", dir=folder) as scratch:
        into = Path(scratch)
        parts = [(p, e, k) for p, e in sorted(wanted.items())
                 for k in export.parts(p, e["objects"], into)]
        for number, (name, entry, key) in enumerate(parts, 1):
            period = Period(dt.date.fromisoformat(name), dt.date.fromisoformat(entry["end"]))
            suffix = next(s for s in DATA if key.lower().endswith(s))
            path = into / f"part-{number:05d}{suffix}"
            entry["objects"][key] = export.get(key, entry["objects"][key], path)
            yield from _read(read_cur, path, export.url(key), period, start, end, found,
                             cancelled)
            path.unlink()
            if progress is not None:
                progress(number / len(parts))


def _read(read_cur: Callable[..., Iterator[list[Any] | DailyCharges]], path: Path, url: str,
          period: Period, start: dt.date, end: dt.date, found: BillFile,
          cancelled: Callable[[], bool]) -> Iterator[list[Any]]:
    """One part's charges, named by its object in any message; only the window's days.
    What its lines state about their commitments (terms, each day's commitment) goes to
    the sync's own record, added to the other parts'."""
    from worthit.core.focus import CHARGE_COLUMN_NAMES
    from worthit.sources.commitment_terms import stated

    day_at = CHARGE_COLUMN_NAMES.index("charge_period_start")
    billed_at = CHARGE_COLUMN_NAMES.index("billed_cost")
    effective_at = CHARGE_COLUMN_NAMES.index("effective_cost")
    part = BillFile(path)
    # The part's figures are its own (checked against its rows below), its commitments the
    # sync's: the reader notes them straight there, as it would over one file of all parts.
    part.commitment_terms = stated(found)
    whole = start <= period.start and period.end <= end
    try:
        rows = list(rows_of(read_cur(path, part, cancelled=cancelled)))
        found.check_currency(part.currency, url, None, "lineItem/CurrencyCode")
    except BadInput as error:
        moved = BadInput(str(error).replace(str(path), url))
        moved.file, moved.line, moved.column = url, error.line, error.column
        raise moved from None
    found.rows_read += part.rows_read
    for row in rows:
        day = dt.date.fromisoformat(row[day_at])
        if not period.start <= day <= period.end:
            raise BadInput(f"holds charges for {day}, outside its billing period "
                           f"({period.start} to {period.end})", file=url)
        if whole:
            yield row
        elif start <= day <= end:
            found.count(day, row[billed_at] or 0.0, row[effective_at] or 0.0)
            yield row
    if whole and part.first is not None and part.last is not None:
        # The part's own column sums: what the cache must reconcile to.
        found.count(part.first, part.billed, part.effective)
        found.count(part.last, 0.0, 0.0)


def test(settings: dict[str, Any], secret: str | None) -> str:
    """List the prefix and read one byte of the newest report file: proves both
    permissions (s3:ListBucket, s3:GetObject)."""
    export = Export(settings, secret, None, never)
    periods = export.periods(export.objects())
    latest = max(periods)
    key = min(periods[latest]["objects"])
    export.call(export.url(key), "get_object", GET, Bucket=export.bucket, Key=key,
                Range="bytes=0-0")
    files = sum(1 for p in periods.values() for k in p["objects"] if is_data(k))
    return (f"Connected to {export.url()}: {plural(files, 'report file')} in "
            f"{plural(len(periods), 'billing period')}, the latest from {latest}.")


def _periods(settings: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The periods imported by earlier syncs (the source's state), checked."""
    periods = (settings.get("state") or {}).get("periods")
    if not isinstance(periods, dict):
        return {}
    return {p: {"end": e["end"], "objects": dict(e["objects"])} for p, e in periods.items()
            if isinstance(e, dict) and isinstance(e.get("objects"), dict)
            and isinstance(e.get("end"), str)}


def _overlaps(name: str, entry: dict[str, Any], start: dt.date, end: dt.date) -> bool:
    return name <= end.isoformat() and entry["end"] >= start.isoformat()


def _inside(name: str, entry: dict[str, Any], start: dt.date, end: dt.date) -> bool:
    return start.isoformat() <= name and entry["end"] <= end.isoformat()


CONNECTOR: Final = register(Connector(
    kind="aws-s3",
    title="AWS Data Exports / CUR on S3",
    pull=pull,
    test=test,
    scan=scan,
    downloads=True,
    secret=SECRET,
    needs_secret=needs_keys,
    settings=(
        Setting("bucket", "the S3 bucket the export is delivered to"),
        Setting("prefix", "the export's folder in the bucket (its S3 prefix and name, e.g. "
                          "cur/my-report/)"),
        *SETTINGS,
    ),
))

__all__ = ["CONNECTOR", "Period", "period_of", "pull", "scan", "test"]
