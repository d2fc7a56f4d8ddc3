"""The names vendors give their ids: a sync's names replace the earlier names of the ids it
lists and leave the others, each provider's apart; what a table cell could not show (an
empty id or name, a name spread over lines) is cleaned or skipped, and every write bumps
``names.revision``."""

from __future__ import annotations

import pytest

from worthit.store import names as stored
from worthit.store.cache import Cache


def test_names_are_kept_per_provider_and_kind(cache: Cache) -> None:
    assert stored.save_names(cache, "OpenAI", [
        ("api_key", "key_a", "Support bot (prod)"), ("project", "proj_a", "Support bot"),
        ("user", "user_abc", "First Last")]) == 3
    assert stored.save_names(cache, "Anthropic", [
        ("api_key", "key_a", "Batch evals"), ("workspace", "wrkspc_01", "Production")]) == 2

    # The same id at two vendors is two keys.
    assert stored.names_of(cache, "api_key") == {("OpenAI", "key_a"): "Support bot (prod)",
                                                 ("Anthropic", "key_a"): "Batch evals"}
    assert stored.names_of(cache, "api_key", "Anthropic") == {
        ("Anthropic", "key_a"): "Batch evals"}
    assert stored.names_of(cache, "workspace", "OpenAI") == {}
    assert stored.names_of(cache, "project") == {("OpenAI", "proj_a"): "Support bot"}


def test_a_later_sync_renames_what_it_lists_and_keeps_what_it_does_not(cache: Cache) -> None:
    stored.save_names(cache, "OpenAI", [("api_key", "key_a", "Support bot"),
                                        ("api_key", "key_gone", "Pilot key")])

    stored.save_names(cache, "OpenAI", [("api_key", "key_a", "Support bot v2"),
                                        ("api_key", "key_new", "Evals")])

    # A key deleted since keeps its name: older charges still carry its id.
    assert stored.names_of(cache, "api_key", "OpenAI") == {
        ("OpenAI", "key_a"): "Support bot v2", ("OpenAI", "key_gone"): "Pilot key",
        ("OpenAI", "key_new"): "Evals"}


def test_empty_ids_and_names_are_skipped_and_a_name_is_one_short_line(cache: Cache) -> None:
    written = stored.save_names(cache, "OpenAI", [
        ("api_key", "", "no id"), ("api_key", "key_b", "   "), ("api_key", " key_c ", None),
        ("user", "user_x", "First\nLast\t "), ("project", "proj_long", "x" * 500),
        ("api_key", "key_d", "first name"), ("api_key", "key_d", "last name wins")])

    assert written == 3
    assert stored.names_of(cache, "user") == {("OpenAI", "user_x"): "First Last"}
    assert stored.names_of(cache, "project")[("OpenAI", "proj_long")] == "x" * stored.LONGEST
    assert stored.names_of(cache, "api_key") == {("OpenAI", "key_d"): "last name wins"}


def test_an_unknown_kind_is_a_bug_and_writes_nothing(cache: Cache) -> None:
    with pytest.raises(ValueError, match="'team'"):
        stored.save_names(cache, "OpenAI", [("api_key", "key_a", "Support bot"),
                                            ("team", "t1", "Platform")])

    assert stored.names_of(cache, "api_key") == {}
    assert stored.names_revision(cache) == 0


def test_every_write_bumps_the_names_revision_and_not_the_charges(cache: Cache) -> None:
    charges = cache.revision
    stored.save_names(cache, "OpenAI", [("api_key", "key_a", "Support bot")])
    stored.save_names(cache, "OpenAI", [])

    assert stored.names_revision(cache) == 2
    assert cache.revision == charges


def test_names_written_inside_a_transaction_go_with_it(cache: Cache) -> None:
    with pytest.raises(RuntimeError), cache.transaction() as conn:
        stored.write_names(conn, "OpenAI", [("api_key", "key_a", "Support bot")])
        raise RuntimeError("the run it belongs to failed")

    assert stored.names_of(cache, "api_key") == {}
    assert stored.names_revision(cache) == 0
