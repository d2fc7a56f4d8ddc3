"""genai-prices' answers remembered on disk (:mod:`worthit.pricing.remembered`): the same
prices as asked of genai-prices, and a process with them remembered never imports it."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from worthit.pricing import catalog, remembered
from worthit.pricing.catalog import Catalog

DAYS = [dt.date(2024, 6, 1), dt.date(2025, 3, 15), dt.date(2026, 11, 1)]
MODELS = [("Anthropic", "claude-sonnet-4-5"), ("OpenAI", "gpt-4.1"), ("OpenAI", "gpt-4o-mini"),
          ("OpenAI", "no-such-model"), ("Anthropic", "claude-3-5-haiku"),
          ("Nobody", "gpt-4.1")]


@pytest.fixture
def memory_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A process's memory of answers in ``tmp_path``, nothing cached in the process."""
    path = tmp_path / "answers.json"
    memory = remembered.Remembered(path)
    monkeypatch.setattr(catalog, "remembered", lambda: memory)
    forget()
    yield path
    forget()


#: What the process keeps of genai-prices' answers (the functions, as a test may replace one).
KEPT = (catalog._genai_price, catalog._genai_model, catalog._genai_version)


def forget() -> None:
    """Nothing the process asked kept in it."""
    for cached in KEPT:
        cached.cache_clear()


def prices() -> list[object]:
    found = Catalog()
    return [found.price(p, m, d) for p, m in MODELS for d in DAYS]


def test_remembered_answers_are_genai_prices_own(memory_in: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    asked = prices()
    assert any(p is not None for p in asked) and any(p is None for p in asked)
    catalog.remembered().save()
    stored = json.loads(memory_in.read_text())
    assert stored["version"] and "Anthropic" not in json.dumps(stored)  # genai's ids
    # A new process, as it were: the same answers, without asking genai-prices.
    memory = remembered.Remembered(memory_in)
    monkeypatch.setattr(catalog, "remembered", lambda: memory)
    forget()
    monkeypatch.setattr(catalog, "_genai_model", lambda *a: pytest.fail(f"asked for {a}"))
    assert prices() == asked


def test_an_unreadable_memory_is_asked_again(memory_in: Path) -> None:
    memory_in.write_text("{not json")
    asked = prices()
    catalog.remembered().save()
    assert json.loads(memory_in.read_text())["answers"]
    assert asked == prices()


def test_each_genai_prices_data_has_its_own_file() -> None:
    stamp = remembered.data_stamp()
    import genai_prices

    data = Path(genai_prices.__file__).with_name("data.py").stat()
    assert stamp == f"{data.st_size}-{data.st_mtime_ns}"


def test_a_process_with_the_answers_remembered_does_not_import_genai_prices(
        tmp_path: Path) -> None:
    script = ("import datetime as dt, sys\n"
              "from worthit.pricing.catalog import Catalog\n"
              "c = Catalog()\n"
              "print([c.price('OpenAI', m, dt.date(2026, 1, d)) for m in "
              "('gpt-4.1', 'no-such-model') for d in (1, 2)])\n"
              "print('genai_prices' in sys.modules)\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                           text=True, check=True).stdout.splitlines() for _ in range(2)]
    assert runs[0][1] == "True" and runs[1][1] == "False"
    assert runs[0][0] == runs[1][0] and "gpt-4.1" in runs[0][0]
    assert list((tmp_path / "Worthit" / "genai-prices").glob("*.json"))
