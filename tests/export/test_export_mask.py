"""Pseudonyms: the same id always reads the same within an export, ids are replaced as
whole tokens only, and an ARN's short forms are masked with it."""

from __future__ import annotations

import datetime as dt

from worthit.core.periods import Period
from worthit.export.mask import Mask
from worthit.export.tables import Table
from worthit.workspace import Workspace

NAT = "arn:aws:ec2:us-east-1:456789012345:natgateway/nat-0a1b2c3d4e5f60718"
IDS = {"111122223333": "account", "210987654321": "account", "key_Eval01": "key",
       "i-0reco01": "resource", NAT: "resource", "support-transcripts": "resource"}


def test_pseudonyms_follow_first_appearance_per_kind_and_repeat() -> None:
    mask = Mask(IDS)
    assert mask.text("i-0reco01 then key_Eval01 and 210987654321") == \
        "resource-1 then key-1 and account-1"
    assert mask.text("111122223333 pays for i-0reco01") == "account-2 pays for resource-1"
    assert mask.pseudonyms == {"i-0reco01": "resource-1", "key_Eval01": "key-1",
                               "210987654321": "account-1", "111122223333": "account-2"}


def test_only_whole_ids_are_replaced() -> None:
    mask = Mask(IDS)
    for text in ("i-0reco012", "xi-0reco01", "i-0reco01-b", "key_Eval01.json",
                 "ticket-support-transcripts", "prefix/i-0reco01x"):
        assert mask.text(text) == text, text
    assert mask.text("on support-transcripts.") == "on resource-1."
    assert mask.text("support-transcripts: 60 TiB") == "resource-1: 60 TiB"
    assert mask.text("(i-0reco01, key_Eval01)") == "(resource-2, key-1)"


def test_an_arn_and_its_short_forms_share_one_pseudonym() -> None:
    mask = Mask(IDS)
    assert mask.text(NAT) == "resource-1"
    assert mask.text("NAT processing on nat-0a1b2c3d4e5f60718, carried by nobody") == \
        "NAT processing on resource-1, carried by nobody"
    assert mask.text(f"hidden_network:{NAT}") == "hidden_network:resource-1"
    # The ARN's account is an account id, even where the ARN is not known.
    assert mask.text("arn:aws:s3:::456789012345:bucket/other") == \
        "arn:aws:s3:::account-1:bucket/other"


def test_a_mask_without_ids_changes_nothing() -> None:
    mask = Mask.none()
    assert not mask.active
    assert mask.text("i-0reco01 111122223333") == "i-0reco01 111122223333"


def test_tables_are_masked_in_cells_titles_and_filters() -> None:
    table = Table.of("Costs of i-0reco01", ["Resource", "Cost"],
                     [("i-0reco01", 1.0), (NAT, 2.0), (None, 3.0)],
                     period=Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
                     filters={"account": "111122223333"}, formats={"Cost": "money"})
    masked = Mask(IDS).table(table)
    assert masked.title == "Costs of resource-1"
    assert masked.rows == (("resource-1", 1.0), ("resource-2", 2.0), (None, 3.0))
    assert masked.filters == {"account": "account-1"}
    assert masked.period == table.period and masked.formats == table.formats


def test_the_workspace_ids_are_read_with_their_kinds(demo_workspace: Workspace,
                                                     demo_ids: set[str]) -> None:
    with demo_workspace.open() as cache:
        mask = Mask.from_cache(cache)
    assert set(demo_ids) <= set(mask.kinds)
    assert mask.kinds["apikey_02CodeReviewAgent"] == "key"
    assert mask.kinds["111122223333"] == "account"
    assert mask.kinds["i-0reco00000000001"] == "resource"
    assert mask.kinds["nat-0a1b2c3d4e5f60718"] == "resource"  # the ARN's short form
    assert mask.text("apikey_02CodeReviewAgent") == "key-1"
