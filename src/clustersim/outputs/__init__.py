"""Outputs: KPI reporters, table and manifest writers, network export, charts."""
