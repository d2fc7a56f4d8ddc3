"""The API key behind a spike: for a spike of OpenAI or Anthropic cost, the key whose cost
grew most on the spike's worst day against its own baseline, with its project.

A key's cost on a day is the Keys page's (:mod:`worthit.analysis.keys`): the vendors'
usage lines carry the key, at no cost, and the bill is spread over them by the list-price
value of their tokens, at the finest scope the cost lines name (key, project, or model).
A key's baseline is its median day over the ``spike_history_days`` before the spike's day;
its growth is that day's cost over it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import numpy as np

from worthit.core.money import money
from worthit.store.cache import Cache

#: The providers whose usage lines carry API keys.
VENDORS: Final = ("OpenAI", "Anthropic")
#: What each vendor calls the group a key belongs to (its charges' sub-account).
PROJECT_KIND: Final = {"OpenAI": "project", "Anthropic": "workspace"}


@dataclass(frozen=True)
class KeyGrowth:
    """One API key's cost on a spike's worst day against its baseline, in ``currency``."""

    provider: str
    key: str
    name: str | None
    project: str | None
    project_name: str | None
    day: dt.date
    cost: float
    baseline: float
    currency: str = "USD"

    @property
    def growth(self) -> float:
        return self.cost - self.baseline

    @property
    def label(self) -> str:
        """``key "ci-bot" (key_abc)``, or ``key key_abc`` when the vendor gave no name."""
        return f'key "{self.name}" ({self.key})' if self.name else f"key {self.key}"

    @property
    def project_label(self) -> str:
        """``project "Search" (proj_1)``; '' without a project."""
        if not self.project:
            return ""
        kind = PROJECT_KIND.get(self.provider, "project")
        return f'{kind} "{self.project_name}" ({self.project})' if self.project_name else \
            f"{kind} {self.project}"

    @property
    def words(self) -> str:
        """The key in a title: ``key "ci-bot" (key_abc) in project "Search" (proj_1)``.
        Its own figures are in :meth:`numbers`: a title carries the alert's figure only,
        so no surface reads the key's growth as the incident's."""
        where = f" in {self.project_label}" if self.project else ""
        return f"{self.label}{where}"

    @property
    def _grew(self) -> str:
        """``+$612``: the growth (a key is named only when it grew)."""
        return f"{'+' if self.growth >= 0 else '−'}{money(abs(self.growth), self.currency)}"

    def numbers(self) -> dict[str, str]:
        """The key's lines in an alert's numbers (its detail JSON)."""
        found = {"Key": self.label}
        if self.project:
            found["Key's " + PROJECT_KIND.get(self.provider, "project")] = self.project_label
        found["Key's cost on its worst day"] = (
            f"{money(self.cost, self.currency)} on {self.day.isoformat()} against "
            f"{money(self.baseline, self.currency)} baseline "
            f"({self._grew})")
        return found


@dataclass(frozen=True)
class KeyDays:
    """Each vendor key's cost per day of ``start``.. (one row per provider, model, key and
    project), in ``currency``."""

    start: dt.date
    provider: list[str]
    model: list[str]
    key: list[str]
    project: list[str | None]
    cost: np.ndarray  # rows × days
    currency: str

    def behind(self, cache: Cache, day: dt.date, history: int, *, provider: str,
               model: str | None = None, key: str | None = None) -> KeyGrowth | None:
        """The key of ``provider`` (and ``model``, or the one ``key``) whose cost grew most
        on ``day`` against its median over the ``history`` days before; None when none
        grew."""
        from worthit.store.names import names_of

        at = (day - self.start).days
        if at < 0 or at >= self.cost.shape[1]:
            return None
        rows = [n for n in range(len(self.key)) if self.provider[n] == provider
                and (model is None or self.model[n] == model)
                and (key is None or self.key[n] == key)]
        per_key: dict[str, np.ndarray] = {}
        per_project: dict[str, dict[str | None, float]] = {}
        for n in rows:
            k = self.key[n]
            per_key[k] = per_key.get(k, 0.0) + self.cost[n, :at + 1]
            projects = per_project.setdefault(k, {})
            projects[self.project[n]] = projects.get(self.project[n], 0.0) + \
                float(self.cost[n, :at + 1].sum())
        best: tuple[float, str, float, float] | None = None
        for k, series in sorted(per_key.items()):
            before = series[max(0, at - history):at]
            baseline = float(np.median(before)) if len(before) else 0.0
            growth = float(series[at]) - baseline
            if growth > 0 and (best is None or growth > best[0]):
                best = (growth, k, float(series[at]), baseline)
        if best is None:
            return None
        _, k, cost, baseline = best
        project = max(per_project[k].items(), key=lambda p: (p[1], p[0] or ""))[0]
        kind = PROJECT_KIND.get(provider, "project")
        return KeyGrowth(provider, k, names_of(cache, "api_key", provider).get((provider, k)),
                         project,
                         None if project is None else
                         names_of(cache, kind, provider).get((provider, project)),
                         day, cost, baseline, self.currency)


def key_days(cache: Cache, start: dt.date, end: dt.date,
             currency: str | None = None) -> KeyDays | None:
    """Each OpenAI and Anthropic key's daily cost over ``start``..``end``, as the Keys page
    allocates it from the bill (:func:`worthit.analysis.keys.key_costs`); None when the
    period has no key usage."""
    from worthit.analysis.charge_index import charge_index
    from worthit.analysis.keys import key_costs
    from worthit.core.periods import Period

    index = charge_index(cache, currency)
    if index.first_day is None:
        return None
    start = max(start, index.first_day)
    if start > end:
        return None
    found = key_costs(cache, Period(start, end), currency=currency)
    rows = found.costs.rows
    rows = rows[(rows["api_key"] != "") & rows["provider"].isin(VENDORS)] if len(rows) else rows
    if rows.empty:
        return None
    width = (end - start).days + 1
    table: dict[tuple[str, str, str, str | None], np.ndarray] = {}
    for provider, model, key, project, day, cost in zip(
            rows["provider"], rows["model"], rows["api_key"], rows["project"], rows["day"],
            rows["cost"], strict=True):
        label = (str(provider), str(model), str(key), str(project) if project else None)
        table.setdefault(label, np.zeros(width))[(day - start).days] += float(cost)
    labels = sorted(table, key=lambda k: tuple(str(p) for p in k))
    return KeyDays(start, [p for p, _, _, _ in labels], [m for _, m, _, _ in labels],
                   [k for _, _, k, _ in labels], [j for _, _, _, j in labels],
                   np.array([table[k] for k in labels]), found.currency)
