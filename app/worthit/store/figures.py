"""How a charge's figures are stored: most lines of a bill cost what they list and what
they are billed (effective = list = billed on nine lines in ten of a real CUR), so a figure
equal to the one it usually equals is stored as ``''``, which SQLite keeps in no bytes at
all; NULL still means the bill did not say. Eight bytes saved per such figure is a sixth
of a charge. Every read of a figure goes through :func:`figure`; nothing outside
``worthit.store`` sees the encoding."""

from __future__ import annotations

from typing import Final

from worthit.core.focus import FACT_COLUMNS

#: Figure -> the figure it is stored as ``''`` when equal to.
SAME_AS: Final[dict[str, str]] = {
    "effective": "billed",
    "list": "billed",
    "contracted": "billed",
    "pricing_quantity": "quantity",
}
#: The figures of ``charge_facts``, in order.
FIGURES: Final = tuple(f for _, f in FACT_COLUMNS)


def figure(name: str, table: str = "") -> str:
    """SQL for the value of figure ``name`` (a name of :data:`FIGURES`) of the charge in
    ``table`` (an alias of ``charge_facts``, or none)."""
    at = f"{table}." if table else ""
    base = SAME_AS.get(name)
    if base is None:
        return f"{at}{name}"
    return f"IIF({at}{name} = '', {at}{base}, {at}{name})"


def stored_sums() -> str:
    """SQL for the stored figures of the charges of one group (``GROUP BY day, key_id``
    over a table with a plain column per figure): each summed, then encoded."""
    out = []
    for name in FIGURES:
        base = SAME_AS.get(name)
        out.append(f"SUM({name})" if base is None
                   else f"IIF(SUM({name}) IS SUM({base}), '', SUM({name}))")
    return ", ".join(out)


def stored_values() -> str:
    """SQL for the stored figures of one charge (a row of a table with a plain column per
    figure): what :func:`stored_sums` gives a group of that charge alone, as the SUM of
    one value is that value. (-0.0, which SQLite's SUM would make 0.0, never reaches
    it: a REAL column stores a whole number as an integer.)"""
    return ", ".join(name if base is None else f"IIF({name} IS {base}, '', {name})"
                     for name in FIGURES for base in (SAME_AS.get(name),))
