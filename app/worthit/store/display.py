"""The workspace's display currency: the one currency every page shows its money in
(``meta`` key :data:`CURRENCY_KEY`). Unset, it is the charges' one billing currency, or USD
when they have several or none (:func:`default_currency`)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Final

from worthit.core.errors import UserError
from worthit.core.money import is_currency
from worthit.store.cache import Cache
from worthit.store.meta import delete_meta, write_stamp

CURRENCY_KEY: Final = "display.currency"
#: The display currency of a workspace whose charges name several currencies, or none.
FALLBACK: Final = "USD"


def default_currency(billing: Iterable[str | None]) -> str:
    """The one currency ``billing`` names (None and '' named no currency), else USD."""
    named = {c.strip() for c in billing if c and c.strip()}
    return named.pop() if len(named) == 1 else FALLBACK


def billing_currencies(cache: Cache) -> list[str]:
    """Every currency the charges are billed in, sorted. Remembered by the cache's write
    stamp (a write of charges changes it): the query reads every charge key (19 ms at
    36,000 keys), and every page asks for the display currency."""
    stamp = write_stamp(cache)
    with _LOCK:
        found = _CURRENCIES.get(stamp) if stamp is not None else None
    if found is None:
        found = tuple(str(row[0]) for row in cache._conn.execute(
            "SELECT DISTINCT billing_currency FROM charge_keys WHERE billing_currency IS NOT "
            "NULL AND billing_currency != '' ORDER BY 1"))
        if stamp is not None:
            with _LOCK:
                while len(_CURRENCIES) >= 16:  # caches opened, writes since: the latest
                    del _CURRENCIES[next(iter(_CURRENCIES))]
                _CURRENCIES[stamp] = found
    return list(found)


#: Write stamp -> the billing currencies of that state of a cache (any thread; a stamp is
#: random, so two caches never share one).
_CURRENCIES: dict[str, tuple[str, ...]] = {}
_LOCK = threading.Lock()


def chosen_currency(cache: Cache) -> str | None:
    """The display currency the user set, None when they set none."""
    value = cache.get_meta(CURRENCY_KEY)
    return value if value and is_currency(value) else None


def display_currency(cache: Cache) -> str:
    """The currency pages show: the one chosen, else :func:`default_currency` of the
    charges."""
    return chosen_currency(cache) or default_currency(billing_currencies(cache))


def checked_currency(code: str) -> str:
    """``code`` as an ISO 4217 code (any case, spaces around allowed), or a UserError."""
    cleaned = code.strip().upper()
    if not is_currency(cleaned):
        raise UserError(f"{code!r} is not an ISO 4217 currency code (such as USD, EUR, NOK).")
    return cleaned


def choose_currency(cache: Cache, code: str | None) -> str:
    """Show every page in ``code`` from now on; None goes back to the default. Returns
    the display currency then."""
    if code is None:
        delete_meta(cache, CURRENCY_KEY)
    else:
        cache.set_meta({CURRENCY_KEY: checked_currency(code)})
    return display_currency(cache)
