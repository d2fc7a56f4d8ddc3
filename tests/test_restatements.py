"""A bill's identity is what it bills, not its file's name (issue 25, item 3): the same
bill imported under two names counts once, a restated billing period replaces the old one
whole (days it no longer has included), other accounts, months and live sources are left
alone, and the import says what it replaced. Both import paths (line reader, DuckDB) find
the same bills."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import run_cli
from tests.shared_data import sample
from worthit.core.errors import UserError
from worthit.core.focus import CHARGE_COLUMN_NAMES
from worthit.sources import aggregate
from worthit.sources.bill import BillFile
from worthit.sources.bills import Bill
from worthit.sources.focus import read_focus
from worthit.store.cache import Cache
from worthit.sync.importer import ImportResult, _reader, import_file
from worthit.workspace import Workspace

A, B = "111111111111", "222222222222"
CUR_HEADER = ["lineItem/UsageStartDate", "lineItem/LineItemType", "lineItem/ProductCode",
              "lineItem/UsageType", "lineItem/UsageAmount", "lineItem/CurrencyCode",
              "lineItem/UnblendedCost", "lineItem/ResourceId", "bill/PayerAccountId",
              "bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate"]
FOCUS_HEADER = ["ChargePeriodStart", "ChargePeriodEnd", "BilledCost", "EffectiveCost",
                "BillingCurrency", "ProviderName", "BillingAccountId", "BillingPeriodStart",
                "BillingPeriodEnd", "ServiceName", "ResourceId"]
LINE_READER, FAST_PATH = 10**18, 0  # aggregate.SMALL for each path

#: A line: (account, day, resource, cost in cents).
Line = tuple[str, str, str, int]


def _period(day: str) -> tuple[str, str]:
    start = dt.date.fromisoformat(day).replace(day=1)
    end = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return f"{start}T00:00:00Z", f"{end}T00:00:00Z"


def write_cur(path: Path, lines: list[Line]) -> Path:
    text = io.StringIO()
    out = csv.writer(text, lineterminator="\n")
    out.writerow(CUR_HEADER)
    for account, day, resource, cents in lines:
        out.writerow([f"{day}T00:00:00Z", "Usage", "AmazonEC2", "BoxUsage", "1", "USD",
                      f"{cents / 100:.2f}", resource, account, *_period(day)])
    path.write_text(text.getvalue(), encoding="utf-8")
    return path


def write_focus(path: Path, lines: list[Line]) -> Path:
    text = io.StringIO()
    out = csv.writer(text, lineterminator="\n")
    out.writerow(FOCUS_HEADER)
    for account, day, resource, cents in lines:
        cost = f"{cents / 100:.2f}"
        out.writerow([f"{day}T00:00:00Z", f"{day}T01:00:00Z", cost, cost, "USD", "AWS",
                      account, *_period(day), "Amazon EC2", resource])
    path.write_text(text.getvalue(), encoding="utf-8")
    return path


def march(account: str, last: int = 31, cents: int = 100) -> list[Line]:
    return [(account, f"2025-03-{d:02d}", r, cents) for d in range(1, last + 1)
            for r in ("i-1", "i-2")]


def billed(cache: Cache, where: str = "1", params: tuple[Any, ...] = ()) -> float:
    return round(float(cache._scalar(f"SELECT TOTAL(billed_cost) FROM charges WHERE {where}",
                                    params)), 6)


# -- the defects ---------------------------------------------------------------------------


def test_the_same_cur_under_two_names_counts_once(cache: Cache, tmp_path: Path) -> None:
    real = sample("aws-cur", "legacy-cur-anonymous.csv").read_bytes()
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    (tmp_path / "one" / "cur-a.csv").write_bytes(real)
    (tmp_path / "two" / "cur-b.csv").write_bytes(real)
    first = import_file(cache, tmp_path / "one" / "cur-a.csv")
    second = import_file(cache, tmp_path / "two" / "cur-b.csv")
    assert billed(cache) == pytest.approx(1.682309, abs=1e-6)  # not 3.36
    assert first.replaced == ()
    (replaced,) = second.replaced
    assert (replaced.source, replaced.charges) == ("file:cur-a.csv", first.rows_written)
    assert replaced.billed == pytest.approx(1.682309, abs=1e-6)
    assert replaced.bill == Bill("AWS", "123412340534", None, dt.date(2023, 11, 1),
                                 dt.date(2023, 12, 1))
    assert str(replaced) == (f"replaced {first.rows_written:,} charges (1.68 USD) of source "
                             "'file:cur-a.csv' for AWS 123412340534, 2023-11")
    assert second.to_json()["replaced"] == [{
        "source": "file:cur-a.csv", "provider": "AWS", "billing_account": "123412340534",
        "subscription": None, "billing_period": {"from": "2023-11-01", "to": "2023-11-30"},
        "charges": first.rows_written, "billed": round(replaced.billed, 6),
        "effective": round(replaced.effective, 6), "currency": "USD"}]
    # The emptied source stays listed: its runs are history.
    assert cache._scalar("SELECT COUNT(*) FROM sources WHERE name = 'file:cur-a.csv'") == 1


def test_a_restated_month_under_a_new_name_replaces_the_old(cache: Cache,
                                                            tmp_path: Path) -> None:
    import_file(cache, write_cur(tmp_path / "march-v1.csv", march(A, cents=100)))
    done = import_file(cache, write_cur(tmp_path / "march-v2.csv", march(A, cents=150)))
    assert billed(cache) == pytest.approx(31 * 2 * 1.50)
    assert {s for (s,) in cache._rows("SELECT DISTINCT source_id FROM charges")} == {
        "file:march-v2.csv"}
    assert [(r.source, r.charges, round(r.billed, 2)) for r in done.replaced] == [
        ("file:march-v1.csv", 62, 62.0)]


def test_a_restatement_ending_a_day_earlier_leaves_nothing_on_the_missing_day(
        cache: Cache, tmp_path: Path) -> None:
    import_file(cache, write_cur(tmp_path / "v1.csv", march(A, last=31)))
    import_file(cache, write_cur(tmp_path / "v2.csv", march(A, last=30)))
    assert cache._scalar("SELECT COUNT(*) FROM charges WHERE charge_period_start = "
                        "'2025-03-31'") == 0
    # Into the same source too (a sync of a file that was rewritten shorter).
    import_file(cache, write_cur(tmp_path / "v1.csv", march(A, last=29)))
    assert cache._scalar("SELECT MAX(charge_period_start) FROM charges") == "2025-03-29"
    assert billed(cache) == pytest.approx(29 * 2 * 1.00)


def test_another_account_another_month_and_live_sources_are_untouched(
        cache: Cache, tmp_path: Path) -> None:
    april = [(A, f"2025-04-{d:02d}", "i-1", 100) for d in range(1, 31)]
    import_file(cache, write_cur(tmp_path / "a-march.csv", march(A)))
    import_file(cache, write_cur(tmp_path / "b-march.csv", march(B)))
    import_file(cache, write_cur(tmp_path / "a-april.csv", april))
    # A live source with the same account and days (as Cost Explorer would write them).
    with cache.transaction() as conn:
        conn.execute("INSERT INTO sources (source_id, kind, name, settings, created_at) "
                     "VALUES ('ce', 'aws-ce', 'Cost Explorer', '{}', '2025-01-01')")
    row: list[Any] = [None] * len(CHARGE_COLUMN_NAMES)
    for name, value in (("source_id", "ce"), ("charge_period_start", "2025-03-05"),
                        ("provider_name", "AWS"), ("billing_account_id", A),
                        ("billed_cost", 7.0), ("effective_cost", 7.0),
                        ("billing_currency", "USD")):
        row[CHARGE_COLUMN_NAMES.index(name)] = value
    cache.replace_charges("ce", dt.date(2025, 3, 5), dt.date(2025, 3, 5), [row])
    done = import_file(cache, write_cur(tmp_path / "a-march-restated.csv",
                                        march(A, last=10, cents=300)))
    assert [r.source for r in done.replaced] == ["file:a-march.csv"]
    assert billed(cache, "source_id = 'file:b-march.csv'") == pytest.approx(62.0)
    assert billed(cache, "source_id = 'file:a-april.csv'") == pytest.approx(30.0)
    assert billed(cache, "source_id = 'ce'") == pytest.approx(7.0)
    assert billed(cache, "source_id = 'file:a-march.csv'") == 0.0
    assert billed(cache, "source_id = 'file:a-march-restated.csv'") == pytest.approx(60.0)


def test_a_refused_restatement_replaces_nothing(cache: Cache, tmp_path: Path) -> None:
    import_file(cache, write_cur(tmp_path / "v1.csv", march(A)))
    bad = write_cur(tmp_path / "v2.csv", march(A))
    bad.write_text(bad.read_text().replace("1.00", "lots", 1))
    with pytest.raises(UserError, match="lots"):
        import_file(cache, bad)
    assert billed(cache, "source_id = 'file:v1.csv'") == pytest.approx(62.0)


def test_the_cli_says_what_an_import_replaced(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              ) -> None:
    workspace = Workspace(tmp_path / "ws")
    run_cli(capsys, workspace, "import", str(write_cur(tmp_path / "v1.csv", march(A))))
    code, out, _ = run_cli(capsys, workspace, "import",
                           str(write_cur(tmp_path / "v2.csv", march(A, cents=200))))
    assert code == 0
    assert f"  replaced 62 charges (62.00 USD) of source 'file:v1.csv' for AWS {A}, 2025-03" \
        in out.splitlines()


# -- both paths find the same bills --------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_both_paths_find_the_same_bills(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        suffix: str) -> None:
    lines = [*march(A, last=3), *march(B, last=2),
             (A, "2025-04-01", "i-1", 5), ("", "2025-03-02", "i-9", 1)]
    path = write_focus(tmp_path / "bill.csv", lines)
    if suffix == ".parquet":
        table = pa_csv.read_csv(path)  # timestamps typed, as a Parquet export has them
        pq.write_table(table, path := tmp_path / "bill.parquet")
    found = {}
    answers: list[object] = []
    daily = aggregate.daily

    def answered(*args: Any, **kwargs: Any) -> Any:
        answers.append(answer := daily(*args, **kwargs))
        return answer

    monkeypatch.setattr(aggregate, "daily", answered)
    for name, small in (("line", LINE_READER), ("fast", FAST_PATH)):
        monkeypatch.setattr(aggregate, "SMALL", small)
        into = BillFile(path)
        list(read_focus(path, into))
        assert (answers[-1] is not None) == (name == "fast")  # that path really was taken
        found[name] = into.bills
    march_ = (dt.date(2025, 3, 1), dt.date(2025, 4, 1))
    assert found["line"] == found["fast"] == {
        Bill("AWS", A, None, *march_), Bill("AWS", B, None, *march_),
        Bill("AWS", A, None, dt.date(2025, 4, 1), dt.date(2025, 5, 1))}


def test_the_real_samples_name_their_bills(cache: Cache) -> None:
    september = (dt.date(2023, 9, 1), dt.date(2023, 10, 1))
    azure = import_file(cache, sample("azure", "ea-actual-cost.csv"))
    gcp = import_file(cache, sample("gcp", "bigquery-export-flattened.csv"))
    assert {(b.provider, b.account, b.start, b.end) for b in _bills(azure)} == {
        ("Microsoft", "8611537", *september)}
    assert {(b.provider, b.account, b.start) for b in _bills(gcp)} == {
        ("Google Cloud", "018984-D0AAA4-940B88", dt.date(2022, 8, 1))}


def _bills(done: ImportResult) -> set[Bill]:
    found = BillFile(done.path)
    list(_reader(done.kind)(done.path, found))
    return found.bills


# -- the property --------------------------------------------------------------------------

ACCOUNTS = (A, B)
MONTHS = ("2025-03", "2025-04")
_day = st.integers(1, 28)
_bill = st.tuples(st.sampled_from(ACCOUNTS), st.sampled_from(MONTHS))
#: One version of a bill: (day, resource, cents) lines.
_version = st.lists(st.tuples(_day, st.sampled_from(("i-1", "i-2", "i-3")),
                              st.integers(-500, 10_000)), min_size=1, max_size=6)
#: A file: its format and the bills it holds, each with its lines.
_file = st.tuples(st.sampled_from(("cur", "focus")),
                  st.dictionaries(_bill, _version, min_size=1, max_size=3))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(_file, min_size=1, max_size=5), data=st.data())
def test_any_order_of_imports_gives_the_last_version_of_each_bill(
        files: list[tuple[str, dict[tuple[str, str], list[tuple[int, str, int]]]]],
        data: st.DataObject) -> None:
    order = data.draw(st.permutations(range(len(files))), label="order")
    order = [*order, *data.draw(st.lists(st.sampled_from(range(len(files))), max_size=2),
                                label="imported again")]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        paths = []
        for number, (kind, bills) in enumerate(files):
            lines = [(account, f"{month}-{day:02d}", resource, cents)
                     for (account, month), version in bills.items()
                     for day, resource, cents in version]
            write = write_cur if kind == "cur" else write_focus
            paths.append(write(root / f"bill-{number}.csv", lines))
        last: dict[tuple[str, str], list[tuple[int, str, int]]] = {}
        with Cache.open(root / "cache.sqlite") as cache:
            for number in order:
                import_file(cache, paths[number])
                last.update(files[number][1])
            held = {(day, account, resource): round(cost, 6) for day, account, resource, cost
                    in cache._rows("SELECT charge_period_start, billing_account_id, "
                                  "resource_id, SUM(billed_cost) FROM charges "
                                  "GROUP BY 1, 2, 3")}
    expected: dict[tuple[str, str, str], float] = defaultdict(float)
    for (account, month), version in last.items():
        for day, resource, cents in version:
            expected[(f"{month}-{day:02d}", account, resource)] += cents / 100
    assert held == pytest.approx({k: round(v, 6) for k, v in expected.items()}, abs=1e-6)


def test_the_json_summary_is_plain_data(cache: Cache, tmp_path: Path) -> None:
    import_file(cache, write_focus(tmp_path / "v1.csv", march(A)))
    done = import_file(cache, write_cur(tmp_path / "v2.csv", march(A, last=5)))
    # A FOCUS export and a CUR of the same AWS bill are one bill.
    assert json.loads(json.dumps(done.to_json()))["replaced"][0]["source"] == "file:v1.csv"
    assert billed(cache) == pytest.approx(10.0)


def test_the_parts_of_one_bill_given_together_are_all_kept(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A month's CUR in two part files, each covering the month with its own resources, given
    in one command (each file its own source): parts, not versions. A later import of the
    bill still replaces both."""
    workspace = Workspace(tmp_path / "ws")
    part1 = write_cur(tmp_path / "cur-00001.csv", [x for x in march(A) if x[2] == "i-1"])
    part2 = write_cur(tmp_path / "cur-00002.csv", [x for x in march(A) if x[2] == "i-2"])
    code, out, err = run_cli(capsys, workspace, "import", str(part1), str(part2))
    assert code == 0, err
    assert "replaced" not in out
    with workspace.open() as cache:
        assert billed(cache) == pytest.approx(31 * 2 * 1.00)  # both parts, not the last
    code, out, _ = run_cli(capsys, workspace, "import",
                           str(write_cur(tmp_path / "restated.csv", march(A, cents=120))))
    assert code == 0
    with workspace.open() as cache:
        assert billed(cache) == pytest.approx(31 * 2 * 1.20)
