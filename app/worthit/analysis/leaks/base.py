"""What every leak detector shares: the finding it returns, the thresholds it reads, and
the context it looks at (the cache, the 30-day window, owners from the allocation)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from worthit.analysis.allocation import Allocation, allocate
from worthit.analysis.charge_index import ChargeIndex, charge_index
from worthit.core import money as amounts
from worthit.core.days import day_number
from worthit.core.periods import Period
from worthit.core.sums import run_sums
from worthit.paths import resource
from worthit.store.cache import Cache
from worthit.store.days import iso_of
from worthit.store.rules import load_rules

if TYPE_CHECKING:
    from worthit.analysis.model_swap import Suggestion, SwapData

WINDOW_DAYS: Final = 30
SETTINGS_KEY: Final = "leaks.settings"

KIND_TITLES: Final[dict[str, str]] = {
    "idle_capacity": "Idle or over-provisioned capacity",
    "storage_graveyard": "A graveyard of experiments",
    "overpowered_model": "Overpowered model defaults",
    "prompt_bloat": "Prompt bloat and missing caches",
    "batch_eligible": "Batch-eligible traffic",
    "runaway_agent": "Runaway agents and retries",
    "hidden_network": "Hidden network costs",
    "weak_attribution": "Weak attribution",
    "hardware_fit": "Hardware that does not fit",
    "unused_commitment": "Unused commitment",
    "agent_loop": "Looping agent run",
}


@dataclass(frozen=True, slots=True)
class Settings:
    """Thresholds, with the defaults a FinOps team would start from."""

    floor: float = 100.0  # findings saving less per month (or one-off) are not shown
    idle_p95: float = 10.0  # per cent utilisation
    idle_days: int = 14
    quiet_hours: int = 8  # always-on capacity: hours a day with almost no traffic
    quiet_ratio: float = 0.1  # "almost no": under this share of the busiest hour
    graveyard_days: int = 90  # no writes for this long, and no lifecycle policy
    bloat_growth: float = 0.3  # input per request up by this share on its early level
    bloat_baseline_days: int = 60
    # NAT gateway processing: the share of its bytes bound for S3 and DynamoDB, which free
    # gateway endpoints take off it. No bill or metric says it (VPC flow logs do), so by
    # default a range is assumed; set both ends to a measured share.
    nat_share_low: float = 0.25
    nat_share_high: float = 0.75
    # Unused commitments: utilisation over the window under this (per cent), and more
    # unused than this (in the display currency) over the window.
    commitment_utilisation: float = 80.0
    commitment_unused: float = 10.0
    # Looping agent runs: a run costing more than this many times its agent's p95 run in
    # the window (worthit.analysis.customers.LOOP_FACTOR is the default).
    loop_factor: float = 3.0
    # Runaway agents take the alerts' spike thresholds (worthit.store.alerts.AlertSettings):
    # one setting drives both the spike alert and the finding. An older app's runaway_*
    # keys are ignored on loading.

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Settings:
        known = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}  # int or float, as each field is
        for name, value in raw.items():
            if name in known and isinstance(value, int | float) and not isinstance(value, bool):
                values[name] = int(value) if known[name] in ("int", int) else float(value)
        return cls(**values)


def load_settings(cache: Cache) -> Settings:
    raw = cache.get_meta(SETTINGS_KEY)
    return Settings() if not raw else Settings.from_json(json.loads(raw))


def save_settings(cache: Cache, settings: Settings) -> None:
    cache.set_meta({SETTINGS_KEY: json.dumps(settings.to_json())})


@dataclass(frozen=True)
class Evidence:
    """The series that triggered a finding, for its chart, and the numbers behind it."""

    label: str  # what the series is, e.g. "GPU utilisation p95 (%)"
    days: list[dt.date] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    unit: str = "$"  # "$" (money, in the finding's currency), "%", "tokens", "requests"
    numbers: dict[str, str] = field(default_factory=dict)  # label -> shown value
    threshold: float | None = None  # a line on the chart
    #: What the finding's excess is measured against, one value per day of ``days`` (NaN
    #: where there is none), as the detector computed it: a dashed line on the chart.
    baseline: list[float] = field(default_factory=list)
    baseline_label: str = ""
    #: The days whose excess the finding counts, highlighted on the chart.
    highlighted: list[dt.date] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The series (with the baseline, where there is one) and the numbers."""
        points: list[dict[str, Any]] = [
            {"day": d.isoformat(), "value": round(v, 6)}
            for d, v in zip(self.days, self.values, strict=True)]
        if self.baseline:
            for point, base in zip(points, self.baseline, strict=True):
                point["baseline"] = round(base, 6) if math.isfinite(base) else None
        found: dict[str, Any] = {"label": self.label, "unit": self.unit,
                                 "numbers": self.numbers, "points": points}
        if self.baseline:
            found["baseline_label"] = self.baseline_label
        if self.highlighted:
            found["highlighted"] = [d.isoformat() for d in self.highlighted]
        return found


@dataclass(frozen=True)
class Finding:
    kind: str
    key: str  # stable across syncs: kind and what it is about, never a figure
    title: str
    monthly_cost: float  # what the leaking thing costs in the window
    monthly_saving: float
    team: str | None
    feature: str | None
    resource: str | None
    evidence: Evidence
    fix: list[str]
    assumption: str = ""
    #: The teams that carry a shared cost (Allocation's split), when no one team does.
    shared_by: tuple[str, ...] = ()
    #: A cost already paid once (a runaway agent's excess over its baseline), not a
    #: recurring saving: never part of ``monthly_saving`` nor of the monthly totals.
    one_off: float = 0.0
    #: (low, high) monthly saving when it rests on a share nobody measured (NAT processing
    #: bound for S3 and DynamoDB): ``monthly_saving`` is its low end, the one figure every
    #: surface shows and adds up; the range is said beside it.
    saving_range: tuple[float, float] | None = None
    #: The currency of every amount of the finding (the display currency).
    currency: str = "USD"

    @property
    def figure(self) -> float:
        """The amount the finding shows, monthly or one-off: what findings sort by."""
        return max(self.monthly_saving, self.one_off)

    @property
    def owner(self) -> str:
        """Who carries the cost, in words: the same on every surface."""
        if self.team:
            return f"{self.team}/{self.feature}" if self.feature else self.team
        if self.shared_by:
            return "shared by " + ", ".join(self.shared_by)
        return "no owner"

    @property
    def informational(self) -> bool:
        """About ownership or cost structure rather than a saving (weak attribution,
        wanted network traffic): kept by its cost, not its saving."""
        return self.monthly_saving == 0 and self.kind in ("weak_attribution",
                                                          "hidden_network")

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key, "kind": self.kind, "kind_title": KIND_TITLES[self.kind],
            "title": self.title, "currency": self.currency, "team": self.team,
            "feature": self.feature,
            "shared_by": list(self.shared_by),
            "resource": self.resource, "monthly_cost": round(self.monthly_cost, 2),
            "monthly_saving": round(self.monthly_saving, 2),
            "one_off": round(self.one_off, 2), "fix": self.fix,
            "saving_range": None if self.saving_range is None else {
                "low": round(self.saving_range[0], 2), "high": round(self.saving_range[1], 2)},
            "assumption": self.assumption,
            "evidence": self.evidence.to_json(),
        }


def owners_of(pieces: pd.DataFrame) -> Owners:
    """Resource -> (team, feature) of its costliest piece of ``pieces`` (an allocation's),
    or (None, None) when that is Unallocated or the resource's pieces are under more than
    one team. Ties go as a descending sort of the costs puts them (pandas' order)."""
    return Owners(pieces)


class Owners(Mapping[str, tuple[str | None, str | None]]):
    """:func:`owners_of` as a mapping that works out a resource's owner when asked.

    A window's findings ask for a few dozen of 27,000 resources: each is worked out from
    its own pieces (found by the resources' codes), and the order of a descending sort of
    every cost is made only to break a tie between a resource's costliest pieces. Naming
    every resource's owner took 20 ms; its codes and a sort, 8 ms."""

    def __init__(self, pieces: pd.DataFrame) -> None:
        if pieces.empty:
            pieces = pd.DataFrame({"resource": pd.Series([], dtype=object),
                                   "team": pd.Series([], dtype=object),
                                   "feature": pd.Series([], dtype=object),
                                   "current": pd.Series([], dtype=float)})
        self._pieces = pieces
        self._of_resource, self._resources = pd.factorize(pieces["resource"])
        self._of_team, teams = pd.factorize(pieces["team"])  # a missing team: -1, no team
        self._teams = [*(str(t) for t in teams.to_numpy(dtype=object).tolist()), "nan"]
        self._current = pieces["current"].to_numpy(np.float64)
        self._rank: np.ndarray | None = None
        self._names: list[str] | None = None

    def _rows(self, resource_id: str) -> np.ndarray:
        """The positions of ``resource_id``'s pieces (KeyError: none)."""
        code = self._resources.get_loc(resource_id)
        if not isinstance(code, int):
            raise KeyError(resource_id)
        return np.flatnonzero(self._of_resource == code)

    def _best(self, rows: np.ndarray) -> int:
        """The costliest of the pieces ``rows``; between equals (or costs all missing),
        the first in a descending sort of every piece's cost, as pandas sorts."""
        costs = self._current[rows]
        winners = rows[costs == np.max(costs)] if not np.isnan(costs).all() else rows[:0]
        if len(winners) == 1:
            return int(winners[0])
        if self._rank is None:
            order = self._pieces["current"].reset_index(drop=True).sort_values(
                ascending=False).index.to_numpy()
            self._rank = np.empty(len(order), np.int64)
            self._rank[order] = np.arange(len(order))
        return int(rows[np.argmin(self._rank[rows])])

    def __getitem__(self, resource_id: str) -> tuple[str | None, str | None]:
        rows = self._rows(resource_id)
        teams = self._of_team[rows]
        best = self._best(rows)
        team = self._teams[int(self._of_team[best])]
        if len(np.unique(teams[teams >= 0])) > 1 or team == "Unallocated":
            return None, None
        return team, str(self._pieces["feature"].iat[best])

    def __iter__(self) -> Iterator[str]:
        if self._names is None:
            self._names = [str(r) for r in self._resources.to_numpy(dtype=object).tolist()]
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._resources)

    def sharers(self, resource_id: str) -> tuple[str, ...]:
        """The teams but Unallocated whose pieces hold ``resource_id``, sorted, when there
        are more than one (none otherwise)."""
        try:
            rows = self._rows(resource_id)
        except KeyError:
            return ()
        teams = {self._teams[t] for t in np.unique(self._of_team[rows]).tolist() if t >= 0}
        teams.discard("Unallocated")
        return tuple(sorted(teams)) if len(teams) > 1 else ()


class Context:
    """What detectors look at; expensive parts are computed once, on first use. Every
    amount is in ``currency`` (default: the display currency), as the charge index
    converted it."""

    def __init__(self, cache: Cache, end: dt.date, settings: Settings, *,
                 currency: str | None = None) -> None:
        self.cache = cache
        self.settings = settings
        self.window = Period(end - dt.timedelta(days=WINDOW_DAYS - 1), end)
        data = cache.data_range()
        self.first_day = data[0] if data else end
        self._once: dict[str, Any] = {}
        self._currency = currency

    @functools.cached_property
    def index(self) -> ChargeIndex:
        """The charge index in the context's currency."""
        return charge_index(self.cache, self._currency)

    @property
    def currency(self) -> str:
        return self.index.currency or "USD"

    def money(self, value: float) -> str:
        """``value`` as money in the context's currency (:func:`worthit.core.money.money`)."""
        return amounts.money(value, self.currency)

    def once(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` the first time ``name`` is asked for, then its result."""
        if name not in self._once:
            self._once[name] = compute()
        return self._once[name]

    @functools.cached_property
    def allocation(self) -> Allocation:
        return allocate(self.index, load_rules(self.cache), self.window)

    @functools.cached_property
    def owners(self) -> Owners:
        """Resource id -> (team, feature) that carries its cost in the window; (None, None)
        when nobody does: Unallocated, or a shared cost split across several teams."""
        return owners_of(self.allocation.pieces)

    def owner(self, resource_id: str | None) -> tuple[str | None, str | None]:
        return self.owners.get(resource_id or "", (None, None))

    def sharers(self, resource_id: str | None) -> tuple[str, ...]:
        """The teams Allocation splits a shared resource's cost over (none when one team,
        or nobody, carries it)."""
        return self.owners.sharers(resource_id or "")

    @functools.cached_property
    def swap(self) -> SwapData:
        from worthit.analysis.model_swap import swap_data

        return swap_data(self.cache, self.window, currency=self.currency, units=False)

    @functools.cached_property
    def suggestions(self) -> list[Suggestion]:
        from worthit.analysis.model_swap import suggestions

        return suggestions(self.swap, limit=1000)

    def resource_daily(self, resource_id: str | None, start: dt.date, end: dt.date,
                       usage_like: tuple[str, ...] = ()) -> pd.DataFrame:
        """day (ISO), cost (effective, in the context's currency) for one resource's
        charges (days without charges absent), only those of a usage type like one of
        ``usage_like`` (``LIKE`` patterns) if any."""
        index = self.index
        wanted = self._resource_keys(resource_id)
        if usage_like and len(wanted):
            wanted = wanted[_usage_like(index, usage_like)[wanted]]
        days, sums = run_sums(*self._charges_of(wanted, start, end))
        return pd.DataFrame({"day": [iso_of(d) for d in days.tolist()], "cost": sums})

    def cost_by_resource(self, usage_like: str, start: dt.date,
                         end: dt.date) -> list[tuple[str | None, float]]:
        """(resource id, effective cost in the context's currency) of the charges whose
        usage type is like ``usage_like`` within the days, one per resource, by resource
        id (none first)."""
        index = self.index
        rows = index._rows(start, end)  # noqa: SLF001 - the index's own slice
        key = index.key[rows]
        held = _usage_like(index, (usage_like,))[key]
        if not held.any():
            return []
        # Summed per resource code (the index's, -1: none), each resource's charges in
        # order as pandas sums groups; then by id. Text per charge took 10 ms a call.
        codes = index.codes["resource_id"][0]
        sums = pd.Series(index.cost[rows][held]).groupby(codes[key[held]], sort=False).sum()
        names = code_names(index, "resource_id")
        found = [(names[c], float(v)) for c, v in zip(sums.index.tolist(), sums.tolist(),
                                                      strict=True)]
        return sorted(found, key=lambda item: (item[0] is not None, item[0] or ""))

    def _resource_keys(self, resource_id: str | None) -> np.ndarray:
        """The positions in the index of the keys of one resource (none for None)."""
        if resource_id is None:
            return np.zeros(0, np.int64)
        by_resource: dict[str, np.ndarray] = self.index.remember(
            ("keys by resource",), lambda: _keys_by(self.index, "resource_id"))
        return by_resource.get(resource_id, np.zeros(0, np.int64))

    def _charges_of(self, keys: np.ndarray, start: dt.date, end: dt.date
                    ) -> tuple[np.ndarray, np.ndarray]:
        """Day numbers and costs of the charges of ``keys`` within the days, in (day, key)
        order: looked up in the index's days in memory, where SQL read each resource's
        keys from the key table (87 calls a Leaks page)."""
        index = self.index
        if not len(keys) or index.first_day is None:
            index.check(start, end)
            return np.zeros(0, np.int64), np.zeros(0)
        rows = index.rows_of_keys(keys, start, end)
        return index.day[rows].astype(np.int64) + day_number(index.first_day), index.cost[rows]


def _keys_by(index: ChargeIndex, column: str) -> dict[str, np.ndarray]:
    """Each value of a key column -> the positions of the keys that hold it."""
    codes, values = index.codes[column]
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(values) + 1))
    return {str(value): order[bounds[n]:bounds[n + 1]] for n, value in enumerate(values)
            if isinstance(value, str)}


def code_names(index: ChargeIndex, column: str) -> list[str | None]:
    """The text of each code of a key column of ``index`` (its factorised values), then
    None for code -1 (no value): made once per index, where each call made 36,000 strings
    (10 ms). Shared: not to be changed."""
    names: list[str | None] = index.remember(("code names", column), lambda: [
        *(str(v) for v in index.codes[column][1]), None])
    return names


def _like(pattern: str) -> re.Pattern[str]:
    """SQLite's ``LIKE``: ``%`` any text, ``_`` one character, ASCII letters in either
    case."""
    return re.compile("".join(".*" if c == "%" else "." if c == "_" else re.escape(c)
                              for c in pattern), re.IGNORECASE | re.ASCII | re.DOTALL)


def _usage_like(index: ChargeIndex, patterns: tuple[str, ...]) -> np.ndarray:
    """Which keys' usage type (text or missing) is like one of ``patterns``: each distinct
    usage type matched once (the index factorised them), not each of 36,000 keys; and
    once per index (a Leaks page asks for the same few patterns a dozen times)."""
    found: np.ndarray = index.remember(("usage like", patterns),
                                       lambda: _matching_usage(index, patterns))
    return found


def _matching_usage(index: ChargeIndex, patterns: tuple[str, ...]) -> np.ndarray:
    compiled = [_like(p) for p in patterns]
    codes, values = index.codes["x_usage_type"]
    like = np.array([isinstance(v, str) and any(c.fullmatch(v) for c in compiled)
                     for v in values] + [False])  # the last: a missing type (code -1)
    found: np.ndarray = like[codes]
    return found


@functools.cache
def aws_prices() -> dict[str, Any]:
    """The dated AWS list prices Worthit ships (instances, S3 classes, network)."""
    with resource("prices", "aws-us-east-1.json").open(encoding="utf-8") as file:
        prices: dict[str, Any] = json.load(file)
        return prices


def days_of(frame: pd.DataFrame) -> list[dt.date]:
    return [dt.date.fromisoformat(str(d)) for d in frame["day"]]
