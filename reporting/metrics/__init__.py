"""The metrics stage: validated submissions in, every figure of metrics.md out (see `compute_metrics`)."""

from reporting.metrics.compute import Metrics, compute_metrics, compute_metrics_from_partials
from reporting.metrics.coverage import Coverage, count_coverage
from reporting.metrics.incidents import IncidentDetail
from reporting.metrics.partials import Partials, combine_partials, compute_partials

__all__ = [
    "Coverage",
    "IncidentDetail",
    "Metrics",
    "Partials",
    "combine_partials",
    "compute_metrics",
    "compute_metrics_from_partials",
    "compute_partials",
    "count_coverage",
]
