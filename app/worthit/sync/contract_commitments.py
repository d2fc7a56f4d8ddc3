"""Importing a FOCUS ContractCommitment dataset (1.3+): each commitment's terms are kept
with the commitments the bills name (:mod:`worthit.store.commitments`), all or nothing, and
the attempt is recorded in ``sync_runs`` like a bill's import. The dataset holds no charges:
what a commitment used and left unused comes from the Cost and Usage dataset."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from worthit.core.errors import UserError
from worthit.sources.focus import ContractCommitment, read_contract_commitments
from worthit.store.cache import Cache
from worthit.store.commitments import write_commitments
from worthit.store.sources import record_run


@dataclass(frozen=True)
class CommitmentImport:
    """What one ContractCommitment file brought."""

    path: Path
    source: str
    commitments: int

    def __str__(self) -> str:
        return (f"{self.path}: recognised as a FOCUS ContractCommitment dataset; "
                f"{self.commitments:,} commitments' terms kept in source {self.source!r} "
                "(their use and waste come from the export's Cost and Usage dataset)")

    def to_json(self) -> dict[str, Any]:
        return {"file": str(self.path), "kind": "focus-contract-commitment",
                "source": self.source, "commitments": self.commitments, "result": "ok"}


def terms(c: ContractCommitment) -> dict[str, Any]:
    """A commitment's terms as the store keeps them: only what the dataset states."""
    return {"commitment_id": c.contract_commitment_id, "kind": c.contract_commitment_type,
            "category": c.contract_commitment_category,
            "name": c.contract_commitment_description,
            "start_time": _iso(c.contract_commitment_period_start),
            "end_time": _iso(c.contract_commitment_period_end),
            "payment_option": c.contract_commitment_payment_model,
            "term": c.contract_commitment_duration_type, "currency": c.billing_currency}


def _iso(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def import_contract_commitments(cache: Cache, path: Path, *, source: str | None = None,
                                source_id: str | None = None) -> CommitmentImport:
    """Keep the commitments of one ContractCommitment file in its source
    (``commitments:NAME`` unless given); a bad cell refuses the whole file."""
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    name = source or f"commitments:{path.name}"
    sid = source_id or name
    try:
        held = read_contract_commitments(path)  # every line checked first
        with cache.transaction() as conn:
            write_commitments(conn, sid, [terms(c) for c in held])
    except UserError as error:
        record_run(cache, sid, started, None, None, 0, 0, None, None, "failed", str(error))
        raise
    record_run(cache, sid, started, None, None, len(held), len(held), None, None, "ok", None)
    return CommitmentImport(path, name, len(held))
