"""Criterion weights: direct entry, swing weighting, AHP, several stakeholders, profiles.

Weights say how much a swing from the worst to the best value on one criterion matters
compared with the others (DCLG multi-criteria analysis manual, chapter 6).  Every
function here returns weights as a :class:`pandas.Series` indexed by criterion that sums
to 1, in a stated order.

* :func:`normalise` (:mod:`.direct`) — direct entry: any non-negative numbers, scaled to
  sum 1.
* :func:`swing_weights` (:mod:`.swing`) — rank the swings, give the top one 100 points and
  the others 0–100 points consistent with the ranking; weights are the normalised points.
* :func:`ahp_weights` (:mod:`.ahp`) — Saaty's pairwise comparisons (1–9 scale and
  reciprocals): the principal eigenvector, with lambda_max and the consistency ratio;
  refused above 0.1 unless the caller insists.
* :func:`combine_stakeholders` (:mod:`.stakeholders`) — several weight sets combined
  (arithmetic or geometric mean), with how far the stakeholders disagree.
* :func:`load_weight_profile` (:mod:`.profiles`) — the YAML files officers edit; the file
  format is described in :mod:`partnerfit.weights.profiles`.

Each method has a *checker* (``direct_problems``, ``swing_problems``, ``ahp_problems``,
``combine_problems``) that returns its result with every problem found, each at a path
inside the checked block; the functions above raise those problems as one
:class:`~partnerfit.errors.DataValidationError`, and the profile loader places them on the
file's lines.
"""

from ..errors import AHPInconsistencyError
from .ahp import CR_LIMIT, SAATY_RANDOM_INDEX, AHPResult, ahp_weights
from .direct import normalise
from .profiles import WeightProfile, load_weight_profile
from .stakeholders import Disagreement, StakeholderWeights, combine_stakeholders
from .swing import swing_weights

__all__ = [
    "CR_LIMIT",
    "SAATY_RANDOM_INDEX",
    "AHPInconsistencyError",
    "AHPResult",
    "Disagreement",
    "StakeholderWeights",
    "WeightProfile",
    "ahp_weights",
    "combine_stakeholders",
    "load_weight_profile",
    "normalise",
    "swing_weights",
]
