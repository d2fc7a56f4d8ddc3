"""Reads over the inventory (``resources``) a live source brings: the instances and the
buckets, each with its facts (instance type, size, lifecycle policy, ...)."""

from __future__ import annotations

import json
from typing import Any

from worthit.store.cache import Cache


def instances(cache: Cache) -> list[tuple[str, dict[str, Any]]]:
    """(resource id, facts) of every instance, by resource id."""
    return [(row["resource_id"], json.loads(row["facts"] or "{}")) for row in cache._rows(
        "SELECT resource_id, facts FROM resources WHERE resource_type = 'Instance' "
        "ORDER BY resource_id")]


def buckets(cache: Cache) -> list[tuple[str, dict[str, Any]]]:
    """(resource id, facts) of every storage bucket."""
    return [(row["resource_id"], json.loads(row["facts"] or "{}")) for row in cache._rows(
        "SELECT resource_id, facts FROM resources WHERE resource_type = 'Bucket'")]
