"""Thin MILP/LP back ends: HiGHS (highspy) and CBC (PuLP).

Every problem is stated in *maximisation* form::

    max c'x  s.t.  row_lo <= A x <= row_hi,  0 <= x <= col_hi,  x_j integer where integer[j]

and every back end returns a :class:`SolveOut` in the same sense. Duals are converted to
the *loss* convention used by reduced-cost fixing: ``loss = -(c - A'y)`` for the
maximisation, i.e. the reduced cost of the equivalent minimisation of ``-c'x``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import sys
import tempfile
import threading
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..errors import SolverError
from . import clock
from .options import SolverOptions

__all__ = ["IncrementalLP", "LinearProblem", "SolveOut", "lagrangian_bounds", "run_solver",
           "signed_duals"]


@dataclass
class LinearProblem:
    """A maximisation MILP ``max c'x, row_lo <= A x <= row_hi, 0 <= x <= col_hi``."""

    c: np.ndarray
    A: sp.csc_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_hi: np.ndarray
    integer: np.ndarray

    @property
    def n_cols(self) -> int:
        return int(self.c.shape[0])

    @property
    def n_rows(self) -> int:
        return int(self.A.shape[0])

    def columns(self, keep: np.ndarray) -> LinearProblem:
        """Sub-problem on the selected columns (same rows)."""
        return LinearProblem(self.c[keep], self.A[:, keep].tocsc(), self.row_lo, self.row_hi,
                             self.col_hi[keep], self.integer[keep])


@dataclass
class SolveOut:
    """Outcome of one solver call (maximisation sense)."""

    status: str  # optimal | time_limit | infeasible | no_solution | error
    x: np.ndarray | None
    objective: float
    bound: float
    row_dual: np.ndarray | None = None  # minimisation-sense duals of the rows of -c
    message: str = ""
    n_final: int | None = None  # columns in the last MILP solved (after fixing)


def signed_duals(problem: LinearProblem, row_dual_min: np.ndarray) -> np.ndarray:
    """Minimisation-sense row multipliers with the sign each row's finite bounds allow.

    A multiplier may only push against a finite bound: a positive one needs a finite lower
    bound, a negative one a finite upper bound; the others are set to 0.
    """
    y = np.asarray(row_dual_min, dtype=float).copy()
    y[(y > 0) & ~np.isfinite(problem.row_lo)] = 0.0
    y[(y < 0) & ~np.isfinite(problem.row_hi)] = 0.0
    return y


def lagrangian_bounds(problem: LinearProblem, row_dual_min: np.ndarray):
    """Valid bounds from any row multipliers (no LP optimality needed).

    For the minimisation ``min -c'x`` and multipliers ``y`` (sign-corrected to the row
    bounds), every feasible ``x`` satisfies ``-c'x >= Y + sum_k d_k x_k`` with
    ``d = -c - A'y`` and ``Y = sum_i min(y_i lo_i, y_i hi_i)``. Hence, in maximisation
    terms, ``c'x <= U`` for all feasible ``x`` and ``c'x <= U_j`` for every feasible ``x``
    with ``x_j = 1``.

    Returns
    -------
    (float, numpy.ndarray)
        The global upper bound ``U`` and the per-column bounds ``U_j``.
    """
    y = signed_duals(problem, row_dual_min)
    lo, hi = problem.row_lo, problem.row_hi
    ybar = np.where(y > 0, y * np.where(np.isfinite(lo), lo, 0.0),
                    y * np.where(np.isfinite(hi), hi, 0.0))
    big_y = float(ybar.sum())
    d = -problem.c - problem.A.T @ y
    # x_k in [0, col_hi_k]
    low_terms = np.minimum(0.0, d * problem.col_hi)
    base = big_y + float(low_terms.sum())
    col_lb = base - low_terms + d  # x_j = 1
    return -base, -col_lb


_QUIET_LOCK = threading.Lock()


@contextlib.contextmanager
def _quiet_stdout():
    """Send the process's C-level standard output to the null device for a moment.

    highspy prints its "Running HiGHS ..." banner from C++ when a ``Highs`` object is made,
    before any option can be set, so ``output_flag=False`` cannot stop it. The C stdio
    buffer is flushed before file descriptor 1 is restored, so nothing leaks out later.
    If standard output has no file descriptor (some embedded interpreters), nothing is done.
    """
    try:
        fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else 1
        saved = os.dup(fd)
    except (OSError, ValueError, AttributeError):
        yield
        return
    libc = None
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None)
    with _QUIET_LOCK:
        with contextlib.suppress(Exception):
            if sys.stdout is not None:
                sys.stdout.flush()
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)
            yield
        finally:
            if libc is not None:
                libc.fflush(None)
            os.dup2(saved, fd)
            os.close(devnull)
            os.close(saved)


def _new_highs(verbose: bool):
    """A ``highspy.Highs`` object; without ``verbose`` its start-up banner is not shown."""
    import highspy

    if verbose:
        return highspy.Highs()
    with _quiet_stdout():
        return highspy.Highs()


def _highs_run(problem: LinearProblem, options: SolverOptions, *, integer: bool,
               start, mip_presolve: bool = True) -> SolveOut:
    import highspy

    h = _new_highs(options.verbose)
    _highs_options(h, problem, options, integer)
    if integer and not mip_presolve:
        h.setOptionValue("presolve", "off")
    h.passModel(_highs_lp(problem, integer))
    if start is not None and integer:
        sol = highspy.HighsSolution()
        sol.col_value = list(np.asarray(start, dtype=float))
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    return _highs_result(h, problem, integer)


def _highs_options(h, problem: LinearProblem, options: SolverOptions, integer: bool) -> None:
    """Time limit, gap, seed and the settings that suit set partitioning."""
    h.setOptionValue("output_flag", bool(options.verbose))
    if options.time_limit is not None:
        h.setOptionValue("time_limit", float(max(options.time_limit, 0.01)))
    if options.mip_gap is not None:
        h.setOptionValue("mip_rel_gap", float(options.mip_gap))
        h.setOptionValue("mip_abs_gap", 1e-9)
    # HiGHS fixes its thread pool at the first solve of the process and fails a later solve
    # that asks for a different size, so ``threads`` is not passed on (CBC only).
    h.setOptionValue("random_seed", 0)
    if integer:
        # a small cut pool keeps HiGHS's root rounds short on set-partitioning models
        # (national 2-4 restricted MIP: 2.1 s -> 0.9 s), with the same proven optimum
        h.setOptionValue("mip_pool_soft_limit", 100)
        if options.time_limit is not None:
            # a restart from the root node runs the MIP presolve again, and that presolve
            # does not look at the clock: one single-service solve ran 7 minutes past its
            # limit there (benchmarks/diag_multi.py --subgradient 40)
            h.setOptionValue("mip_allow_restart", False)
    if not integer and problem.n_rows > 5000:
        h.setOptionValue("solver", "ipm")  # interior point + crossover: faster on big LPs


def _highs_lp(problem: LinearProblem, integer: bool):
    """The problem as a ``highspy.HighsLp`` (minimisation of ``-c'x``)."""
    import highspy

    lp = highspy.HighsLp()
    A = problem.A.tocsc()
    A.sort_indices()
    lp.num_col_ = problem.n_cols
    lp.num_row_ = problem.n_rows
    lp.col_cost_ = -problem.c
    lp.col_lower_ = np.zeros(problem.n_cols)
    lp.col_upper_ = problem.col_hi.astype(float)
    inf = highspy.kHighsInf
    lp.row_lower_ = np.where(np.isfinite(problem.row_lo), problem.row_lo, -inf)
    lp.row_upper_ = np.where(np.isfinite(problem.row_hi), problem.row_hi, inf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    if integer and problem.integer.any():
        lp.integrality_ = [highspy.HighsVarType.kInteger if b else
                           highspy.HighsVarType.kContinuous for b in problem.integer]
    return lp


def _highs_result(h, problem: LinearProblem, integer: bool) -> SolveOut:
    """Status, solution, objective, bound and (LP) duals in maximisation sense."""
    import highspy

    ms = h.getModelStatus()
    info = h.getInfo()
    name = h.modelStatusToString(ms)
    sol = h.getSolution()
    has_x = info.primal_solution_status == 2  # feasible
    x = np.asarray(sol.col_value) if has_x else None
    mipish = integer and problem.integer.any()
    if ms == highspy.HighsModelStatus.kOptimal:
        status = "optimal"
    elif ms == highspy.HighsModelStatus.kInfeasible:
        return SolveOut("infeasible", None, np.nan, -np.inf, message=name)
    elif ms in (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kIterationLimit,
                highspy.HighsModelStatus.kInterrupt):
        status = "time_limit" if has_x else "no_solution"
    else:
        return SolveOut("error", x, np.nan, np.inf, message=name)
    obj = -info.objective_function_value if has_x else -np.inf
    if mipish:
        bound = -info.mip_dual_bound
        if status == "optimal" and not np.isfinite(bound):
            bound = obj
        row_dual = None
    else:
        bound = obj if status == "optimal" else np.inf
        row_dual = np.asarray(sol.row_dual) if sol.dual_valid else None
    return SolveOut(status, x, obj, bound, row_dual, name)


def _cbc_run(problem: LinearProblem, options: SolverOptions, *, integer: bool,
             start, mip_presolve: bool = True) -> SolveOut:
    import pulp

    if not pulp.PULP_CBC_CMD().available():
        raise SolverError("CBC is not available: PuLP's bundled CBC binary was not found. "
                          "Install PuLP with its CBC binary, or use solver='highs'.")
    mip = integer and bool(problem.integer.any())
    prob, xs, names = _cbc_model(problem, mip)
    if start is not None and mip:
        for j, v in enumerate(start):
            xs[j].setInitialValue(float(round(v)) if problem.integer[j] else float(v))
    log = _cbc_solve(prob, options, warm=start is not None and mip)
    return _cbc_result(prob, xs, names, log, problem, mip, options.mip_gap)


def _cbc_model(problem: LinearProblem, mip: bool):
    """The problem as a PuLP model: (model, variables, constraint names of each row)."""
    import pulp

    prob = pulp.LpProblem("partnerfit", pulp.LpMinimize)
    ncol = problem.n_cols
    xs = [pulp.LpVariable(f"x{j}", lowBound=0, upBound=float(problem.col_hi[j]),
                          cat=pulp.LpInteger if (mip and problem.integer[j])
                          else pulp.LpContinuous) for j in range(ncol)]
    prob += pulp.LpAffineExpression([(xs[j], -float(problem.c[j])) for j in range(ncol)
                                     if problem.c[j] != 0] or [(xs[0], 0.0)])
    A = problem.A.tocsr()
    names = []
    for i in range(problem.n_rows):
        lo_, hi_ = problem.row_lo[i], problem.row_hi[i]
        cols = A.indices[A.indptr[i]:A.indptr[i + 1]]
        vals = A.data[A.indptr[i]:A.indptr[i + 1]]
        expr = pulp.LpAffineExpression([(xs[j], float(v)) for j, v in zip(cols, vals)])
        nm = f"r{i}"
        if np.isfinite(lo_) and np.isfinite(hi_) and lo_ == hi_:
            prob += pulp.LpConstraint(expr, pulp.LpConstraintEQ, nm, float(lo_))
            names.append([nm])
        else:
            row_names = []
            if np.isfinite(lo_):
                prob += pulp.LpConstraint(expr, pulp.LpConstraintGE, nm + "l", float(lo_))
                row_names.append(nm + "l")
            if np.isfinite(hi_):
                prob += pulp.LpConstraint(expr, pulp.LpConstraintLE, nm + "u", float(hi_))
                row_names.append(nm + "u")
            names.append(row_names)
    return prob, xs, names


def _cbc_solve(prob, options: SolverOptions, *, warm: bool) -> str:
    """Run CBC on the model; return its log."""
    import pulp

    fd, log_path = tempfile.mkstemp(suffix=".log", prefix="partnerfit_cbc_")
    os.close(fd)
    try:
        solver = pulp.PULP_CBC_CMD(msg=bool(options.verbose), timeLimit=options.time_limit,
                                   gapRel=options.mip_gap, threads=options.threads,
                                   warmStart=warm, logPath=log_path)
        prob.solve(solver)
        with open(log_path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    finally:
        if os.path.exists(log_path):
            os.remove(log_path)


def _cbc_result(prob, xs, names, log: str, problem: LinearProblem, mip: bool,
                mip_gap: float) -> SolveOut:
    """Status, solution, objective, bound (from the log) and (LP) duals."""
    import pulp

    st, sst = prob.status, prob.sol_status
    if st == pulp.LpStatusInfeasible or sst == pulp.LpSolutionInfeasible:
        return SolveOut("infeasible", None, np.nan, -np.inf, message="CBC: infeasible")
    if sst not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        if "Stopped" in log or "time" in log.lower():
            return SolveOut("no_solution", None, -np.inf, np.inf, message="CBC: no solution "
                            "within the time limit")
        return SolveOut("error", None, np.nan, np.inf, message=f"CBC status {st}/{sst}")
    x = np.array([v.varValue if v.varValue is not None else 0.0 for v in xs])
    obj = float(problem.c @ x)
    if sst == pulp.LpSolutionOptimal:
        status, bound = "optimal", obj
        if mip and mip_gap:
            bound = _cbc_bound(log, obj)
    else:
        status, bound = "time_limit", _cbc_bound(log, np.inf)
    row_dual = None
    if not mip and status == "optimal":
        row_dual = np.array([sum(0.0 if prob.constraints[nm].pi is None
                                 else float(prob.constraints[nm].pi) for nm in row_names)
                             for row_names in names])
    return SolveOut(status, x, obj, bound, row_dual, "CBC")


def _cbc_bound(log: str, default: float) -> float:
    """Upper bound (max sense) from a CBC log, or ``default`` if none is printed."""
    m = re.findall(r"Lower bound:\s*(-?[0-9.eE+-]+)", log)
    if m:
        try:
            return -float(m[-1])
        except ValueError:
            pass
    m = re.findall(r"best possible\s*(-?[0-9.eE+-]+)", log)
    if m:
        try:
            return -float(m[-1])
        except ValueError:
            pass
    return default


def run_solver(problem: LinearProblem, options: SolverOptions, *, integer: bool = True,
               start=None, mip_presolve: bool = True) -> SolveOut:
    """Solve ``problem`` with ``options.solver`` ("highs" or "cbc"); see :class:`SolveOut`.

    ``options.time_limit`` is the limit of this one call; an LP (``integer=False``) is
    solved with no gap setting. ``mip_presolve=False`` switches HiGHS's MIP presolve off
    (CBC: no effect): it does not check the time limit between its passes.
    """
    options.check()
    fn = _highs_run if options.solver == "highs" else _cbc_run
    if not integer:
        options = options.with_gap(0.0)
    try:
        out = fn(problem, options, integer=integer, start=start, mip_presolve=mip_presolve)
        clock.solver_called(options.time_limit)
        return out
    except ImportError as exc:  # pragma: no cover - dependency missing
        raise SolverError(f"solver {options.solver!r} could not be loaded ({exc}); install "
                          "it or choose the other solver") from exc


class IncrementalLP:
    """An LP kept in one HiGHS object so that columns can be added and the LP re-solved
    from the last basis (column generation: each re-solve takes a few simplex steps).

    Parameters
    ----------
    problem : LinearProblem
        The LP over the first columns (integrality is ignored).
    options : SolverOptions
        Logging; the time limit is given to each :meth:`solve`.
    """

    def __init__(self, problem: LinearProblem, options: SolverOptions):
        self.problem = problem
        self._h = _new_highs(options.verbose)
        self._h.setOptionValue("output_flag", bool(options.verbose))
        self._h.setOptionValue("random_seed", 0)
        self._h.passModel(_highs_lp(problem, False))

    def add_columns(self, c: np.ndarray, A: sp.csc_matrix, col_hi: np.ndarray) -> None:
        """Append columns with objective ``c``, rows ``A`` (same rows) and upper bounds."""
        A = A.tocsc()
        A.sort_indices()
        k = int(c.shape[0])
        self._h.addCols(k, -np.asarray(c, float), np.zeros(k), np.asarray(col_hi, float),
                        int(A.nnz), A.indptr[:-1].astype(np.int32), A.indices.astype(np.int32),
                        A.data.astype(float))
        self.problem = LinearProblem(
            np.concatenate([self.problem.c, c]), sp.hstack([self.problem.A, A]).tocsc(),
            self.problem.row_lo, self.problem.row_hi,
            np.concatenate([self.problem.col_hi, col_hi]),
            np.concatenate([self.problem.integer, np.zeros(k, bool)]))

    def solve(self, time_limit: float | None) -> SolveOut:
        """Re-solve from the last basis within ``time_limit`` seconds (None: no limit)."""
        if time_limit is not None:
            # the HiGHS limit counts from the object's creation: add the time used so far
            self._h.setOptionValue("time_limit", float(self._h.getRunTime()
                                                      + max(time_limit, 0.01)))
        self._h.run()
        clock.solver_called(time_limit)
        return _highs_result(self._h, self.problem, False)
