"""The pages the window lists, in order. Only pages that work are registered here."""

from __future__ import annotations

from worthit.ui.views.alerts import AlertsPage
from worthit.ui.views.allocation import AllocationPage
from worthit.ui.views.leaks import LeaksPage
from worthit.ui.views.overview import OverviewPage
from worthit.ui.views.page import Page
from worthit.ui.views.sources import SourcesPage
from worthit.ui.views.swap import SwapPage
from worthit.ui.views.units import UnitsPage

PAGES: dict[str, type[Page]] = {
    page.name: page for page in (OverviewPage, AllocationPage, UnitsPage, SwapPage, LeaksPage,
                               SourcesPage, AlertsPage)
}
