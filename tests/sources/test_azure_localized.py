"""Azure cost exports downloaded from a portal in another language: each header reads
``Localized name (EnglishName)``. Twins of the real EA samples, their header row rewritten
in German and Japanese (and in the odd ways such headers come: padded, quoted, without a
BOM, in full-width parentheses, with parentheses in the localized name), import as the
English file does, to the cent and charge for charge; a needed column without its English
name is refused, naming the file, line 1, the column and its header, and nothing lands."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli
from tests.shared_data import sample

from worthit.core.errors import BadInput
from worthit.store.cache import Cache
from worthit.sync.importer import ImportResult, import_file
from worthit.workspace import Workspace

SAMPLES = ("ea-actual-cost.csv", "ea-amortized-cost.csv")

#: The German portal's names for the sample's columns (Microsoft's where known,
#: plausible otherwise), by English name.
GERMAN = {
    "BillingAccountId": "Abrechnungskonto-ID", "BillingAccountName": "Abrechnungskontoname",
    "BillingPeriodStartDate": "Startdatum des Abrechnungszeitraums",
    "BillingPeriodEndDate": "Enddatum des Abrechnungszeitraums",
    "BillingProfileId": "Abrechnungsprofil-ID", "BillingProfileName": "Abrechnungsprofilname",
    "AccountOwnerId": "Kontobesitzer-ID", "AccountName": "Kontoname",
    "SubscriptionId": "Abonnement-ID", "SubscriptionName": "Abonnementname", "Date": "Datum",
    "Product": "Produkt", "PartNumber": "Teilenummer", "MeterId": "Verbrauchseinheiten-ID",
    "ServiceFamily": "Dienstfamilie", "MeterCategory": "Kategorie der Verbrauchseinheit",
    "MeterSubCategory": "Unterkategorie der Verbrauchseinheit",
    "MeterRegion": "Region der Verbrauchseinheit", "MeterName": "Name der Verbrauchseinheit",
    "Quantity": "Menge", "EffectivePrice": "Effektiver Preis", "Cost": "Kosten",
    "UnitPrice": "Einzelpreis", "BillingCurrency": "Abrechnungswährung",
    "ResourceLocation": "Ressourcenstandort", "AvailabilityZone": "Verfügbarkeitszone",
    "ConsumedService": "Genutzter Dienst", "ResourceId": "Ressourcen-ID",
    "ResourceName": "Ressourcenname", "ServiceInfo1": "Dienstinformationen 1",
    "ServiceInfo2": "Dienstinformationen 2", "AdditionalInfo": "Zusätzliche Informationen",
    "Tags": "Tags", "InvoiceSectionId": "Rechnungsabschnitts-ID",
    "InvoiceSection": "Rechnungsabschnitt", "CostCenter": "Kostenstelle",
    "UnitOfMeasure": "Maßeinheit", "ResourceGroup": "Ressourcengruppe",
    "ReservationId": "Reservierungs-ID", "ReservationName": "Reservierungsname",
    "ProductOrderId": "Produktauftrags-ID", "ProductOrderName": "Produktauftragsname",
    "OfferId": "Angebots-ID", "IsAzureCreditEligible": "Azure-Guthaben-berechtigt",
    "Term": "Laufzeit", "PublisherName": "Herausgebername", "PlanName": "Planname",
    "ChargeType": "Gebührentyp", "Frequency": "Häufigkeit", "PublisherType": "Herausgebertyp",
    "PayGPrice": "Preis für nutzungsbasierte Bezahlung", "PricingModel": "Preismodell",
    "CostAllocationRuleName": "Name der Kostenzuordnungsregel", "benefitId": "Vorteils-ID",
    "benefitName": "Vorteilsname",
}

#: The Japanese portal's names, likewise.
JAPANESE = {
    "BillingAccountId": "課金アカウント ID", "BillingAccountName": "課金アカウント名",
    "BillingPeriodStartDate": "請求期間の開始日", "BillingPeriodEndDate": "請求期間の終了日",
    "BillingProfileId": "課金プロファイル ID", "BillingProfileName": "課金プロファイル名",
    "AccountOwnerId": "アカウント所有者 ID", "AccountName": "アカウント名",
    "SubscriptionId": "サブスクリプション ID", "SubscriptionName": "サブスクリプション名",
    "Date": "日付", "Product": "製品", "PartNumber": "部品番号", "MeterId": "測定 ID",
    "ServiceFamily": "サービス ファミリ", "MeterCategory": "測定カテゴリ",
    "MeterSubCategory": "測定サブカテゴリ", "MeterRegion": "測定リージョン",
    "MeterName": "測定名", "Quantity": "数量", "EffectivePrice": "有効価格", "Cost": "コスト",
    "UnitPrice": "単価", "BillingCurrency": "請求通貨", "ResourceLocation": "リソースの場所",
    "AvailabilityZone": "可用性ゾーン", "ConsumedService": "使用されたサービス",
    "ResourceId": "リソース ID", "ResourceName": "リソース名", "ServiceInfo1": "サービス情報 1",
    "ServiceInfo2": "サービス情報 2", "AdditionalInfo": "追加情報", "Tags": "タグ",
    "InvoiceSectionId": "請求書セクション ID", "InvoiceSection": "請求書セクション",
    "CostCenter": "コスト センター", "UnitOfMeasure": "測定単位",
    "ResourceGroup": "リソース グループ", "ReservationId": "予約 ID", "ReservationName": "予約名",
    "ProductOrderId": "製品注文 ID", "ProductOrderName": "製品注文名", "OfferId": "オファー ID",
    "IsAzureCreditEligible": "Azure クレジット対象", "Term": "期間",
    "PublisherName": "発行元名", "PlanName": "プラン名", "ChargeType": "料金の種類",
    "Frequency": "頻度", "PublisherType": "発行元の種類", "PayGPrice": "従量課金制価格",
    "PricingModel": "価格モデル", "CostAllocationRuleName": "コスト割り当てルール名",
    "benefitId": "特典 ID", "benefitName": "特典名",
}

Rename = Callable[[str], str]


def german(name: str) -> str:
    return f"{GERMAN[name]} ({name})"


def japanese(name: str) -> str:
    return f"{JAPANESE[name]}（{name}）"  # full-width parentheses, as Japanese locales write


def twin(english: Path, to: Path, rename: Rename, *, bom: bool = True,
         quote_all: bool = False) -> Path:
    """A copy of ``english`` with only its header row rewritten, each name by ``rename``."""
    text = english.read_bytes().decode("utf-8").removeprefix("\ufeff")
    first, rest = text.split("\n", 1)
    header = next(csv.reader([first]))
    assert set(header) <= set(GERMAN), "a column the mappings lack"
    line = io.StringIO()
    csv.writer(line, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
               lineterminator="\n").writerow(map(rename, header))
    to.write_bytes((("\ufeff" if bom else "") + line.getvalue() + rest).encode("utf-8"))
    return to


def imported(tmp_path: Path, path: Path, name: str) -> tuple[ImportResult, list[Any]]:
    """``path`` imported as a user imports it (format recognised from the header) into a
    cache of its own: the result, and the charges with every column."""
    with Cache.open(tmp_path / f"{name}.sqlite") as cache:
        done = import_file(cache, path, source="azure")
        rows = sorted(tuple(row) for row in cache._rows("SELECT * FROM charges"))
    return done, rows


def assert_alike(tmp_path: Path, english: Path, localized: Path) -> None:
    """The localized file imports as the English one: same kind, rows, totals to the cent
    and the very same charges."""
    want, want_rows = imported(tmp_path, english, "english")
    got, got_rows = imported(tmp_path, localized, "localized")
    assert got.kind == want.kind == "azure"
    assert (got.rows_read, got.currency) == (want.rows_read, want.currency)
    assert round(got.file_billed, 2) == round(want.file_billed, 2)
    assert got.cache_billed is not None and want.cache_billed is not None
    assert round(got.cache_billed, 2) == round(want.cache_billed, 2)
    assert len(got_rows) == len(want_rows) > 0
    assert got_rows == want_rows


@pytest.mark.parametrize("name", SAMPLES)
@pytest.mark.parametrize("rename", [german, japanese], ids=["german", "japanese"])
def test_a_localized_export_imports_as_the_english_one(tmp_path: Path, name: str,
                                                       rename: Rename) -> None:
    english = sample("azure", name)
    assert_alike(tmp_path, english, twin(english, tmp_path / f"local-{name}", rename))


@pytest.mark.parametrize(("rename", "bom", "quote_all"), [
    (lambda e: f"  {GERMAN[e]}   (  {e} )  ", True, False),
    (german, False, False),
    (german, True, True),
    (lambda e: f"{JAPANESE[e]}\u3000（ {e} ）", False, False),
    (lambda e: f"{JAPANESE[e]}({e}）", True, False),
    (lambda e: f"{GERMAN[e]} (netto) ({e})", True, False),
    (lambda e: f"{JAPANESE[e]}（税抜）（{e}）", True, False),
], ids=["padded", "no-bom", "quoted", "full-width-padded", "mixed-parentheses",
        "parentheses-in-the-german-name", "parentheses-in-the-japanese-name"])
def test_odd_localized_headers_import_alike(tmp_path: Path, rename: Rename, bom: bool,
                                            quote_all: bool) -> None:
    english = sample("azure", "ea-amortized-cost.csv")
    localized = twin(english, tmp_path / "local.csv", rename, bom=bom, quote_all=quote_all)
    assert_alike(tmp_path, english, localized)


def without_english(lost: str, header: str, rename: Rename = german) -> Rename:
    """``rename``, but the column ``lost`` written as ``header``, its English name lost."""
    return lambda e: header if e == lost else rename(e)


@pytest.mark.parametrize(("lost", "header", "rename", "column", "missing"), [
    ("Date", "Datum", german, 11, "no Date column"),
    ("Cost", "Kosten (netto)", german, 22, "no Cost column"),
    ("BillingCurrency", "請求通貨", japanese, 24, "no BillingCurrency column"),
], ids=["german-date", "german-cost-in-parentheses", "japanese-currency"])
def test_a_needed_column_without_its_english_name_is_refused_and_nothing_lands(
        tmp_path: Path, lost: str, header: str, rename: Rename, column: int,
        missing: str) -> None:
    english = sample("azure", "ea-actual-cost.csv")
    good = twin(english, tmp_path / "good.csv", rename)
    bad = twin(english, tmp_path / "bad.csv", without_english(lost, header, rename))
    with Cache.open(tmp_path / "worthit.sqlite") as cache:
        import_file(cache, good, source="azure")
        before = sorted(tuple(row) for row in cache._rows("SELECT * FROM charges"))
        with pytest.raises(BadInput) as refused:
            import_file(cache, bad, source="azure")
        assert sorted(tuple(row) for row in cache._rows("SELECT * FROM charges")) == before
    message = str(refused.value)
    assert message.startswith(f"{bad}, line 1, column {column}: {header!r} is no Azure "
                              "column name Worthit knows, and has none in parentheses;")
    assert missing in message and "'Localized name (EnglishName)'" in message


def test_worthit_import_recognises_a_localized_export_and_names_a_lost_column(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    english = sample("azure", "ea-amortized-cost.csv")
    good = twin(english, tmp_path / "kosten.csv", german)
    bad = twin(english, tmp_path / "kosten-datum.csv", without_english("Date", "Datum"))
    workspace = Workspace(tmp_path / "ws")
    code, out, _ = run_cli(capsys, workspace, "import", str(good), "--source", "azure")
    assert code == 0
    assert f"{good}: recognised as Azure cost export; " in out

    def charges() -> list[Any]:
        with Cache.open(workspace.cache_path) as cache:
            return sorted(tuple(row) for row in cache._rows("SELECT * FROM charges"))

    landed = charges()
    assert landed
    code, out, err = run_cli(capsys, workspace, "import", str(bad), "--source", "azure")
    assert code == 2 and out == ""
    assert f"{bad}, line 1, column 11: 'Datum' is no Azure column name" in err
    assert "no Date column" in err
    assert charges() == landed


def test_a_file_of_other_localized_columns_is_not_taken_for_azure(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("Datum (Day),Betrag (Amount),Währung (Currency)\n"
                    "2025-03-01,12.5,EUR\n", encoding="utf-8")
    with Cache.open(tmp_path / "worthit.sqlite") as cache, \
            pytest.raises(BadInput, match="line 1: not a file Worthit reads yet"):
        import_file(cache, path)
