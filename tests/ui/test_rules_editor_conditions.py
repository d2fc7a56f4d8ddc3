"""The rules editor's form offers the conditions of request traces and vendor projects
(customer, agent, project) and saves them as the rule file writes them."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from worthit.core.rules import rule_from_json
from worthit.ui.views.rules_editor import RuleForm


def test_the_form_lists_and_saves_customer_agent_and_project(qtbot: QtBot) -> None:
    form = RuleForm(["devex"], [])
    qtbot.addWidget(form)
    form.add_condition("agent", "", "code-reviewer")
    form.add_condition("customer", "", "acme*, globex")
    form.add_condition("project", "", "proj_search")
    form.name.setText("Reviewer runs")
    form.team.set_value("devex")
    form.feature.set_value(None)
    combo = form.conditions.cellWidget(0, 0)
    assert isinstance(combo, QComboBox)
    offered = {combo.itemData(i): combo.itemText(i) for i in range(combo.count())}
    assert offered["customer"] == "Customer (traces)"
    assert offered["agent"] == "Agent (traces)"
    assert offered["project"] == "Project / workspace id"
    assert combo.currentData() == "agent"
    data = form.data()
    assert data["match"] == {"agent": "code-reviewer", "customer": ["acme*", "globex"],
                             "project": "proj_search"}
    rule = rule_from_json(data, "the editor")
    assert rule.conditions() == {"agent": ("code-reviewer",), "customer": ("acme*", "globex"),
                                 "project": ("proj_search",)}
    # A saved rule opens in the form as it was written.
    again = RuleForm(["devex"], [])
    qtbot.addWidget(again)
    again.set_data(rule.to_json())
    assert again.data() == data
