"""A spike alert names the API key behind it (issue 21): the OpenAI key whose cost grew
most on the spike's day against its own baseline, with its project and the figure, on the
alert, in its detail JSON and in the webhook's message."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from worthit.alerts.webhook import payload
from worthit.analysis.alerts import check
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.store.cache import Cache
from worthit.store.names import save_names

END = dt.date(2026, 11, 26)
DAYS = [END - dt.timedelta(days=89 - i) for i in range(90)]
SPIKE = END - dt.timedelta(days=3)
#: Each project is billed $25 per million input tokens of its key (so a bill spread by
#: project and one spread by model give each key the same cost).
PER_MILLION = 25.0

def line(day: dt.date, cost: float, *, key: str | None = None, project: str = "proj_1",
         tokens: int = 0, model: str = "gpt-4o") -> tuple[Any, ...]:
    """An OpenAI charge as the sync writes it: cost per project and model with no key
    (Costs API), or a key's usage at no cost (usage API)."""
    values: dict[str, Any] = {
        "source_id": "openai", "charge_period_start": day.isoformat(),
        "provider_name": "OpenAI", "billing_account_id": "org-1", "sub_account_id": project,
        "service_category": "AI and Machine Learning", "service_name": "OpenAI API",
        "resource_id": key, "resource_type": "API key" if key else None,
        "charge_category": "Usage", "billed_cost": cost, "effective_cost": cost,
        "billing_currency": "USD", "x_model": model,
        "x_input_tokens": tokens if key else None, "x_requests": 10 if key else None,
    }
    return tuple(values.get(name) for name in CHARGE_COLUMN_NAMES)


def bill(cache: Cache, *, app: dict[dt.date, int] | None = None,
         ci: dict[dt.date, int] | None = None) -> None:
    """gpt-4o: key_app (project proj_1) uses 3 M input tokens a day, key_ci (proj_2) 1 M,
    or what ``app`` and ``ci`` say on a day; each project's cost line bills its key's."""
    rows = []
    for day in DAYS:
        for key, project, tokens in (("key_app", "proj_1", (app or {}).get(day, 3_000_000)),
                                     ("key_ci", "proj_2", (ci or {}).get(day, 1_000_000))):
            rows.append(line(day, tokens / 1e6 * PER_MILLION, project=project))
            rows.append(line(day, 0.0, key=key, project=project, tokens=tokens))
    cache.replace_charges("openai", None, None, rows)


def test_a_vendor_spike_names_the_key_that_grew_most_with_its_project_and_figure(
        cache: Cache) -> None:
    # The spike day: key_ci's usage goes from 1 M to 15 M tokens (key_app steady at 3 M):
    # the day's bill is $75 + $375 = $450 against the usual $100.
    bill(cache, ci={SPIKE: 15_000_000})
    save_names(cache, "OpenAI", [("api_key", "key_ci", "ci-bot"),
                                 ("project", "proj_2", "Build")])
    [alert] = [a for a in check(cache).alerts if a.kind == "spike"]
    # The series is the model's keyless cost: its figures are the spike's, as before.
    assert alert.subject == "spike:OpenAI · gpt-4o"
    assert alert.amount == pytest.approx(350.0, abs=1.0)
    # key_ci's cost, worked by hand: 15 M tokens at $25 = $375.00 (or the day's $450
    # spread by list-price value, 15 of 18 M: the same); its baseline is its usual
    # $25.00, so it grew $350.00. key_app: $75 against $75, no growth.
    assert alert.numbers["Key"] == 'key "ci-bot" (key_ci)'
    assert alert.numbers["Key's project"] == 'project "Build" (proj_2)'
    assert alert.numbers["Key's cost on its worst day"] == \
        f"$375.00 on {SPIKE} against $25.00 baseline (+$350.00)"
    # The title names the key; its own figures are in the numbers, so no surface reads
    # the key's growth as the incident's.
    assert alert.title.endswith('; key "ci-bot" (key_ci) in project "Build" (proj_2)')
    assert (alert.page, alert.focus) == ("keys", "key_ci")
    # Everywhere the alert goes: its JSON, and the webhook's text and payload.
    assert alert.to_json()["numbers"]["Key"] == 'key "ci-bot" (key_ci)'
    sent = payload(alert, "Acme")
    assert 'key "ci-bot" (key_ci)' in sent["text"]
    assert sent["alert"]["numbers"]["Key's project"] == 'project "Build" (proj_2)'


def test_the_key_named_is_the_one_that_grew_not_the_largest(cache: Cache) -> None:
    """On the spike day key_app goes from 3 M to 5 M tokens ($75 to $125) and key_ci from
    1 M to 4 M ($25 to $100): key_app costs more, key_ci grew more and is named."""
    bill(cache, app={SPIKE: 5_000_000}, ci={SPIKE: 4_000_000})
    [alert] = [a for a in check(cache).alerts if a.kind == "spike"]
    assert alert.numbers["Key"] == "key key_ci"  # no name known: its id
    assert alert.numbers["Key's cost on its worst day"] == \
        f"$100.00 on {SPIKE} against $25.00 baseline (+$75.00)"


def test_a_spike_of_other_cost_names_no_key(cache: Cache) -> None:
    from tests.alerts.conftest import charge, write

    write(cache, [charge(d, 700.0 if d == SPIKE else 100.0, "i-web") for d in DAYS])
    [alert] = check(cache).alerts
    assert "Key" not in alert.numbers
    assert "key" not in alert.title
    assert alert.page == "allocation"
