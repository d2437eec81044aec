"""Readers' names of the KPIs, with units, for chart titles and axis labels.

The identifiers (``export_share``) stay in tables and CSVs; charts show "Export share (share of
firms, 0-1)". Kept free of plotting imports so notebooks and the dashboard can use it too.
"""

from __future__ import annotations

# kpi -> (label, unit); every KPI of outputs.kpis.KPI_NAMES has an entry (a test checks it)
KPI_LABELS: dict[str, tuple[str, str]] = {
    "export_share": ("Export share", "share of firms, 0-1"),
    "export_ties": ("Export ties", "active ties"),
    "new_ties": ("New export ties", "ties per month"),
    "events": ("Events held", "events per month"),
    "new_ties_total": ("Export ties formed", "ties since start"),
    "new_exporters": ("New exporters", "firms"),
    "markets_per_exporter": ("Markets per exporter", "foreign markets"),
    "export_revenue": ("Export revenue", "EUR per month"),
    "trust_intra": ("Trust between peer firms", "0-1"),
    "trust_cross_border": ("Cross-border trust", "0-1"),
    "trust_known_relations": ("Trust in known foreign relations", "0-1"),
    "trust_in_facilitator": ("Trust in the facilitator", "0-1"),
    "cooperation_rate": ("Cooperation rate", "share of meetings, 0-1"),
    "esca_personal_contact_share": ("Members with personal contact", "share, 0-1"),
    "esca_active_collaboration_share": ("Members actively collaborating", "share, 0-1"),
    "esca_private_budget_share": ("Private share of facilitator income", "0-1"),
    "esca_committed_share": ("Committed members", "share, 0-1"),
    "satisfaction": ("Member satisfaction", "0-1"),
    "members": ("Paying members", "firms"),
    "budget_balance": ("Facilitator cash balance", "EUR"),
    "income_public": ("Public income of facilitators", "EUR, cumulative"),
    "income_fees": ("Membership fee income", "EUR, cumulative"),
    "income_services": ("Service fee income", "EUR, cumulative"),
    "income_eu": ("EU project income", "EUR, cumulative"),
    "public_spent": ("Public money paid out", "EUR, cumulative"),
    "public_cost_per_new_tie": ("Public cost per new export tie", "EUR per tie"),
    "public_cost_per_new_exporter": ("Public cost per new exporter", "EUR per firm"),
    "vouchers_unredeemed": ("Unspent vouchers", "EUR"),
    "export_share_micro": ("Export share, micro firms", "share of firms, 0-1"),
    "export_share_sme": ("Export share, SMEs", "share of firms, 0-1"),
    "export_share_large": ("Export share, large firms", "share of firms, 0-1"),
    "export_share_startup": ("Export share, start-ups", "share of firms, 0-1"),
    "open_opportunities": ("Open partner needs", "needs"),
    "relations": ("Known foreign relations", "relations"),
}


def kpi_label(kpi: str, *, unit: bool = True) -> str:
    """``"Export share (share of firms, 0-1)"`` for ``export_share``; names without a label
    (e.g. a toy model's KPI) come back with spaces for underscores."""
    if kpi not in KPI_LABELS:
        return kpi.replace("_", " ").capitalize()
    label, units = KPI_LABELS[kpi]
    return f"{label} ({units})" if unit else label


__all__ = ["KPI_LABELS", "kpi_label"]
