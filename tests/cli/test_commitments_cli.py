"""``worthit commitments discount``: a rate typed as a fraction or a percentage, with where
it comes from, is kept and priced by ``worthit report commitments``'s "If you committed"
with its source said; ``--clear`` forgets both; a rate no commitment gets is refused."""

from __future__ import annotations

import json

import pytest
from tests.conftest import run_cli as run

from worthit.store.commitments import commitment_discount, commitment_discount_source
from worthit.workspace import Workspace


def _held(workspace: Workspace) -> tuple[float | None, str | None]:
    with workspace.open() as cache:
        return commitment_discount(cache), commitment_discount_source(cache)


def test_a_rate_and_its_source_are_kept_and_priced(
        capsys: pytest.CaptureFixture[str], writable: Workspace) -> None:
    code, out, _ = run(capsys, writable, "commitments", "discount")
    assert code == 0 and "No commitment discount entered" in out
    code, out, _ = run(capsys, writable, "commitments", "discount", "28",
                       "--source", "https://example.com/our-edp")
    assert code == 0
    assert out.strip() == ("Commitment discount set to 28 % off on-demand prices (source: "
                           "https://example.com/our-edp).")
    assert _held(writable) == (0.28, "https://example.com/our-edp")
    code, out, _ = run(capsys, writable, "report", "commitments", "--format", "json")
    shown = json.loads(out)["if_committed"]
    assert code == 0 and shown["discount"] == 0.28
    assert shown["discount_source"] == "https://example.com/our-edp"
    assert "(the rate you entered, from https://example.com/our-edp)" in shown["assumption"]
    assert shown["monthly_saving"] is not None and shown["monthly_saving"] > 0
    # A fraction works too; a rate without a source forgets the last one's.
    code, out, _ = run(capsys, writable, "commitments", "discount", "0.3")
    assert code == 0 and _held(writable) == (0.3, None) and "(no source given)" in out
    code, out, _ = run(capsys, writable, "commitments", "discount", "--clear")
    assert code == 0 and _held(writable) == (None, None)
    code, out, _ = run(capsys, writable, "report", "commitments", "--format", "json")
    assert json.loads(out)["if_committed"]["monthly_saving"] is None


@pytest.mark.parametrize("args", [("150",), ("0",), ("abc",)])
def test_a_rate_no_commitment_gets_is_refused(
        capsys: pytest.CaptureFixture[str], writable: Workspace, args: tuple[str, ...]) -> None:
    with pytest.raises(SystemExit) as exited:
        run(capsys, writable, "commitments", "discount", *args)
    assert exited.value.code == 2
    assert "rate" in capsys.readouterr().err
    assert _held(writable) == (None, None)


def test_clear_and_a_rate_together_are_refused(
        capsys: pytest.CaptureFixture[str], writable: Workspace) -> None:
    code, _, err = run(capsys, writable, "commitments", "discount", "28", "--clear")
    assert code == 2 and "not both" in err
    assert _held(writable) == (None, None)
