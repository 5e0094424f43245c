"""partnerfit: choose shared-service partners for UK councils, reproducibly and explainably.

Quick start::

    import partnerfit as pf
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of="2009-06-01")
    sl.table.head()          # ranked candidates with per-criterion values
    sl.explain("Preston")    # plain-English breakdown
    pf.stability_intervals(sl)
"""

from .boundaries import boundaries
from .cluster_table import load_clusters, read_clusters
from .criteria import load_criteria
from .errors import (
    DataValidationError,
    InfeasibleError,
    PartnerfitError,
    SolverError,
    UnknownCouncilError,
    UnknownServiceError,
)
from .evaluate import BacktestResult, CalibrationResult, backtest, calibrate
from .grouping import Plan, propose_groupings, select_councils
from .links import load_links, read_arrangements
from .network import (
    NoPathError,
    clusters,
    components,
    degree_table,
    partners,
    partners_of_partners,
    shared_partner_counts,
    sharing_graph,
    shortest_path,
)
from .register import (
    adjacency,
    council_name,
    distance,
    distance_matrix,
    find_council,
    load_councils,
    neighbours,
    read_councils,
    validate_councils,
)
from .report import Report
from .results import Shortlist
from .scoring import default_weights, pairwise_scores, programme, shortlist
from .sensitivity import (
    SensitivityError,
    SMAAResult,
    compare_weight_sets,
    describe_stability,
    run_scenarios,
    smaa,
    stability_intervals,
    weight_sweep,
)
from .services import eligible, services
from .survey import systems_template
from .systems import load_systems, read_systems, systems_coverage
from .weights import (
    WeightProfile,
    ahp_weights,
    combine_stakeholders,
    load_weight_profile,
    swing_weights,
)
from .workbench.widgets import workbench

__version__ = "0.1.0"

__all__ = [
    "BacktestResult",
    "CalibrationResult",
    "DataValidationError",
    "InfeasibleError",
    "NoPathError",
    "PartnerfitError",
    "Plan",
    "Report",
    "SMAAResult",
    "SensitivityError",
    "Shortlist",
    "SolverError",
    "UnknownCouncilError",
    "UnknownServiceError",
    "WeightProfile",
    "adjacency",
    "ahp_weights",
    "backtest",
    "boundaries",
    "calibrate",
    "clusters",
    "combine_stakeholders",
    "compare_weight_sets",
    "components",
    "council_name",
    "default_weights",
    "degree_table",
    "describe_stability",
    "distance",
    "distance_matrix",
    "eligible",
    "find_council",
    "load_clusters",
    "load_councils",
    "load_criteria",
    "load_links",
    "load_systems",
    "load_weight_profile",
    "neighbours",
    "pairwise_scores",
    "partners",
    "partners_of_partners",
    "programme",
    "propose_groupings",
    "read_arrangements",
    "read_clusters",
    "read_councils",
    "read_systems",
    "run_scenarios",
    "select_councils",
    "services",
    "shared_partner_counts",
    "sharing_graph",
    "shortest_path",
    "shortlist",
    "smaa",
    "stability_intervals",
    "swing_weights",
    "systems_coverage",
    "systems_template",
    "validate_councils",
    "weight_sweep",
    "workbench",
]
