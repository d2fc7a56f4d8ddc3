"""Pseudonyms for account ids, API key ids and resource ids, for exports that travel
further than the team (``--mask``).

The ids come from the cache's allocation keys (``billing_account_id``,
``sub_account_id``, ``resource_id``); an ARN also stands for its account and for its last
part (``…:natgateway/nat-0a1b2c3d`` → ``nat-0a1b2c3d``, the short form that findings
quote). Every occurrence of one, as a whole token (an account number: wherever no digit
touches it, so inside any ARN too), in any text of the export (cells, titles, series
names, categories) becomes ``account-N``, ``key-N`` or ``resource-N``.

Pseudonyms are numbered in order of first appearance in the export, per kind. Why: the
number carries nothing of the id (unlike a sorted order or an unsalted hash, which anyone
holding a list of candidate ids could match), the labels stay short enough for a slide,
and the same export of the same data gives the same file. One :class:`Mask` serves one
export, so within it the same id always reads the same; two exports number apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from worthit.pages.table import Table
    from worthit.store.cache import Cache

KINDS: Final = ("account", "key", "resource")
#: An id is a whole token: no id character touches it on either side. Before it, ":" and
#: "/" may stand (a finding's key, a path); after it, "." or ":" (ending a sentence,
#: starting a list) unless more of an id follows.
_BEFORE: Final = r"(?<![A-Za-z0-9_\-.])"
_AFTER: Final = r"(?![A-Za-z0-9_\-/]|[.:][A-Za-z0-9_\-])"
_ARN: Final = re.compile(r"^arn:[^:]*:[^:]*:[^:]*:(?P<account>\d{12})?:(?P<resource>.+)$")


class Mask:
    """Replaces known ids in text with pseudonyms; ``Mask({})`` (or :meth:`none`) changes
    nothing."""

    def __init__(self, ids: Mapping[str, str]) -> None:
        """``ids``: id -> kind (one of :data:`KINDS`)."""
        self.kinds: dict[str, str] = {}  # every id and alias -> kind
        self.canonical: dict[str, str] = {}  # alias -> the id it stands for
        for value, kind in ids.items():
            self._add(value, kind, value)
        for value, kind in ids.items():
            arn = _ARN.match(value)
            if arn and arn["account"]:
                self._add(arn["account"], "account", arn["account"])
            if arn:
                tail = re.split(r"[/:]", arn["resource"])[-1]
                self._add(tail, kind, value)
        self.pseudonyms: dict[str, str] = {}  # id -> pseudonym, as handed out
        self._counts = dict.fromkeys(KINDS, 0)
        # The longest match wins. A long number (an account id) is masked wherever no
        # digit touches it, inside an unknown ARN too; other ids as whole tokens.
        names = sorted(self.kinds, key=len, reverse=True)
        numbers = [n for n in names if n.isdigit() and len(n) >= 6]
        tokens = [n for n in names if n not in numbers]
        alternatives = ([rf"(?<!\d)(?:{'|'.join(numbers)})(?!\d)"] if numbers else []) + (
            [f"{_BEFORE}(?:{'|'.join(map(re.escape, tokens))}){_AFTER}"] if tokens else [])
        self._pattern = re.compile("|".join(alternatives)) if alternatives else None

    def _add(self, value: str, kind: str, canonical: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown id kind {kind!r}")
        if len(value) < 3 or value in self.kinds:  # an account id wins over a resource id
            return
        self.kinds[value] = kind
        self.canonical[value] = canonical

    @classmethod
    def none(cls) -> Mask:
        return cls({})

    @classmethod
    def from_cache(cls, cache: Cache) -> Mask:
        """Every account, key and resource id in the cache's allocation keys. A resource
        whose type names a key (``API key``) is a key."""
        from worthit.store.reads import key_accounts, key_resources

        ids = dict.fromkeys(key_accounts(cache), "account")
        for value, is_key in key_resources(cache):
            ids.setdefault(value, "key" if is_key else "resource")
        return cls(ids)

    @property
    def active(self) -> bool:
        return self._pattern is not None

    def pseudonym(self, value: str) -> str:
        """The pseudonym of a known id (or alias), handing out the next one if new."""
        canonical = self.canonical[value]
        found = self.pseudonyms.get(canonical)
        if found is None:
            kind = self.kinds[canonical]
            self._counts[kind] += 1
            found = self.pseudonyms[canonical] = f"{kind}-{self._counts[kind]}"
        return found

    def text(self, value: str) -> str:
        """``value`` with every known id replaced."""
        if self._pattern is None or not value:
            return value
        return self._pattern.sub(lambda m: self.pseudonym(m.group(0)), value)

    __call__ = text

    def table(self, table: Table) -> Table:
        return table.map_text(self.text) if self.active else table

    def texts(self, values: Iterable[str]) -> list[str]:
        return [self.text(v) for v in values]
