"""Helpers of tests/test_one_truth.py (issue 18): every surface writes the figures it shows
into one :class:`~tests.one_truth.ledger.Ledger`, under the figure's name, and a name must
have one value everywhere."""
