"""partnerfit: choose shared-service partners for UK councils, reproducibly and explainably."""

from .errors import (
    DataValidationError,
    InfeasibleError,
    PartnerfitError,
    SolverError,
    UnknownCouncilError,
    UnknownServiceError,
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

__version__ = "0.1.0"

__all__ = [
    "DataValidationError",
    "InfeasibleError",
    "PartnerfitError",
    "SolverError",
    "UnknownCouncilError",
    "UnknownServiceError",
    "adjacency",
    "council_name",
    "distance",
    "distance_matrix",
    "find_council",
    "load_councils",
    "neighbours",
    "read_councils",
    "validate_councils",
]
