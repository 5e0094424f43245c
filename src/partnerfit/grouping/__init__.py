"""The partner-grouping optimiser: feasible groups, exact set partitioning, plans."""

from .enumerate import Groups, enumerate_groups, groups_from_lists
from .model import PartitionResult, relative_gap, solve_partition
from .multi import MultiResult, ServiceProblem, consistency_value, solve_services
from .plan import Plan, PlanSpec, PlanVerificationError, build_plan
from .propose import propose_groupings, select_councils
from .values import callable_values, group_values, pairwise_values

__all__ = [
    "Groups",
    "MultiResult",
    "PartitionResult",
    "Plan",
    "PlanSpec",
    "PlanVerificationError",
    "ServiceProblem",
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
