"""Robustness of a shortlist: weight sweeps, exact stability intervals, SMAA, stakeholder sets.

All functions take a :class:`~partnerfit.Shortlist` (they analyse its
:attr:`~partnerfit.Shortlist.matrix`), a :class:`~partnerfit.matrix.ValueMatrix`, or a
*shortlist-like* object (duck-typed): ``value_matrix`` (DataFrame, index candidate GSS
codes, columns criterion ids, values 0–100, no gaps), ``weights`` (Series over the
criteria, summing to 1) and optionally ``names``, ``criteria_labels``, ``missing``,
``council`` and ``service``. A candidate's score is ``sum_j w_j v_j``; rank 1 is best;
ties go to the smaller GSS code.

Modules
-------
sweep
    :func:`weight_sweep`, :func:`stability_intervals`, :func:`describe_stability`.
smaa
    :func:`smaa` and :class:`SMAAResult`.
compare
    :func:`compare_weight_sets`.
scenarios
    :func:`run_scenarios` (serial or on an executor).
verdict
    :func:`robustness_verdict`: red / amber / green, from both of the above.
"""

from ..errors import SensitivityError
from .compare import compare_weight_sets
from .scenarios import run_scenarios
from .smaa import SMAAResult, smaa
from .sweep import describe_stability, stability_intervals, weight_sweep
from .verdict import Verdict, robustness_verdict

__all__ = [
    "SMAAResult",
    "SensitivityError",
    "Verdict",
    "compare_weight_sets",
    "describe_stability",
    "robustness_verdict",
    "run_scenarios",
    "smaa",
    "stability_intervals",
    "weight_sweep",
]
