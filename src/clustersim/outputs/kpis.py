"""Model-level indicators (KPIs): names, descriptions and the computation.

They are computed by the observation process (:mod:`clustersim.processes.observation`, ODD §3
step 13); this module keeps the names outputs, experiments and the dashboard import.
"""

from clustersim.processes.observation import (
    CLUSTER_KPI_NAMES,
    KPI_DESCRIPTIONS,
    KPI_NAMES,
    compute_kpis,
)

__all__ = ["CLUSTER_KPI_NAMES", "KPI_DESCRIPTIONS", "KPI_NAMES", "compute_kpis"]
