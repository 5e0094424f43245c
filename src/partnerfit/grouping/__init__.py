"""The partner-grouping optimiser: feasible groups, exact set partitioning, plans.

Modules: :mod:`~.columns` (candidate groups), :mod:`~.values` (what a group is worth),
:mod:`~.model` (one service: build, decompose, solve, check), :mod:`~.fixing` (LP bound,
cuts, restricted MIP, reduced-cost fixing), :mod:`~.joint` and :mod:`~.multi` (several
services with a consistency value), :mod:`~.options` and :mod:`~.status` (what a solve is
asked and what it reports), :mod:`~.plan` (the ``Plan`` result and its check),
:mod:`~.propose` (the optimiser applied to councils and services).
"""

from ..errors import PlanVerificationError
from .columns import Groups, GroupTotal, enumerate_groups, groups_from_lists
from .model import PartitionResult, solve_partition
from .multi import MultiResult, ServiceProblem, consistency_value, solve_services
from .options import SolverOptions
from .plan import Plan, PlanSpec, build_plan
from .propose import propose_groupings, select_councils
from .status import SolveStatus, relative_gap
from .values import callable_values, group_values, pairwise_values

__all__ = [
    "GroupTotal",
    "Groups",
    "MultiResult",
    "PartitionResult",
    "Plan",
    "PlanSpec",
    "PlanVerificationError",
    "ServiceProblem",
    "SolveStatus",
    "SolverOptions",
    "build_plan",
    "callable_values",
    "consistency_value",
    "enumerate_groups",
    "group_values",
    "groups_from_lists",
    "pairwise_values",
    "propose_groupings",
    "relative_gap",
    "select_councils",
    "solve_partition",
    "solve_services",
]
