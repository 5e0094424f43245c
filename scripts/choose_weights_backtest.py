"""Choose the default weights with the backtest: the frozen definition decides, its companion
breaks what the frozen one cannot tell apart, and a leave-one-family-out check says whether the
gain is real.

Two backtests are run with the reference profile (the default until 2026-12-05, bundled as
``criteria/weights/north_lincolnshire_2014.yaml``), keeping every case's choice set:

* the **frozen** definition (``pf.evaluate.backtest()``): every tie of the pair removed;
* its **companion** (``keep_earlier_ties=True``): the pair's ties outside the case's partnership
  that started at least a year before the case are kept, as they were known when the choice
  was made. Only here can criteria of the pair's own ties (``direct_links``, ``same_service``)
  earn anything: in the frozen backtest they are 0 for every real partner.

Every variant multiplies each criterion's weight (in every service's weights alike) by a factor
from ``GRID``. Scores are additive, so re-weighting the stored value matrices gives exactly the
ranks a backtest with those weights would (asserted for the reference). The search is
coordinate ascent, in two stages:

1. the highest frozen MRR (each arrangement counting once);
2. from there, the highest companion MRR among variants whose frozen MRR stays within ``TOL``
   of stage 1's: the companion only decides what the frozen backtest cannot tell apart;
3. a rule, not a fit: the backtests cannot tell apart weights of ``same_service`` (already
   sharing this service) above the one chosen -- few cases hold a pair already sharing the
   service -- so it is raised to the smallest multiple at which it outweighs every other single
   criterion in every service's weights (the running partnership is the first option: issue
   15), provided neither backtest's MRR falls by more than ``TOL``.

The same search is then run on four service families and scored on the fifth (leave one
family out). The chosen multipliers, the per-service weights they give and every figure are
printed; ``criteria/weights/default.yaml`` records them.

Usage: ``PYTHONPATH=src python scripts/choose_weights_backtest.py`` (about 5 minutes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import yaml

import partnerfit as pf
from partnerfit._paths import bundled

GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
TOL = 0.002
ROUNDS = 4

# The profile the choice starts from: the default until 2026-12-05 (North Lincolnshire's 2014
# criteria weighted by judgement, per-service emphasis, same_service at 20), kept bundled.
REFERENCE_NAME = "north_lincolnshire_2014"
_SPEC = yaml.safe_load(bundled("criteria", f"weights/{REFERENCE_NAME}.yaml").read_text(
    encoding="utf-8"))
REFERENCE = {"weights": _SPEC["weights"],
             "services": {s: b["weights"] for s, b in _SPEC.get("services", {}).items()}}


@dataclass
class Sets:
    """A backtest's choice sets stacked for fast re-weighting."""

    values: np.ndarray   # (cases, candidates, criteria), 0 for padding
    mask: np.ndarray     # (cases, candidates) real candidates
    weights: np.ndarray  # (cases, criteria) the reference weights of each case
    target: np.ndarray   # (cases,) row of the real partner
    case_weight: np.ndarray
    family: np.ndarray
    county_nearest: np.ndarray  # the baseline's expected ranks

    @classmethod
    def of(cls, bt: pf.evaluate.BacktestResult) -> Sets:
        sets = bt.choice_sets
        n, c, k = len(sets), max(s.n for s in sets), len(bt.criteria)
        values, mask = np.zeros((n, c, k)), np.zeros((n, c), dtype=bool)
        weights, target = np.zeros((n, k)), np.zeros(n, dtype=int)
        for i, (s, partner) in enumerate(zip(sets, bt.cases["partner"], strict=True)):
            values[i, :s.n] = np.nan_to_num(np.asarray(s.values, float), nan=50.0)
            mask[i, :s.n] = True
            weights[i] = s.weights
            target[i] = int(np.flatnonzero(s.codes == partner)[0])
        cases = bt.cases
        return cls(values, mask, weights, target, cases["weight"].to_numpy(float),
                   cases["family"].to_numpy(), cases["rank_county_nearest"].to_numpy(float))

    def ranks(self, mult: np.ndarray) -> np.ndarray:
        """The real partners' expected ranks (ties as expected values) with the weights of
        every case multiplied by ``mult``."""
        w = self.weights * mult
        w = w / w.sum(axis=1, keepdims=True)
        score = np.einsum("nck,nk->nc", self.values, w)
        scale = np.where(self.mask, np.abs(score), 0.0).max(axis=1, keepdims=True)
        score = np.round(score / np.where(scale > 0, scale, 1.0), 12)  # as tie_key, per case
        mine = score[np.arange(len(score)), self.target][:, None]
        better = ((score > mine) & self.mask).sum(axis=1)
        tied = ((score == mine) & self.mask).sum(axis=1)
        return better + (tied + 1) / 2.0

    def mrr(self, ranks: np.ndarray, keep: np.ndarray | None = None) -> tuple[float, float]:
        """(MRR, hit@5), each arrangement counting once."""
        keep = np.ones(len(ranks), dtype=bool) if keep is None else keep
        w, r = self.case_weight[keep], ranks[keep]
        # hit@5 of an expected rank: the share of the tied places within the top 5 is what the
        # backtest reports; the expected rank <= 5 is close enough to choose with, and the
        # figures recorded in the profile come from the real backtest run afterwards.
        return float(np.sum(w / r) / w.sum()), float(np.sum(w * (r <= 5)) / w.sum())


def _ascend(mult: np.ndarray, objective: Callable[[np.ndarray], float]) -> np.ndarray:
    """Coordinate ascent over the multipliers on GRID: each criterion in turn set to the grid
    value that most raises ``objective``, for at most ROUNDS passes."""
    best = objective(mult)
    for _ in range(ROUNDS):
        moved = False
        for j in range(len(mult)):
            for x in GRID:
                trial = mult.copy()
                trial[j] = x
                if trial.sum() == 0:
                    continue
                v = objective(trial)
                if v > best + 1e-6:
                    best, mult, moved = v, trial, True
        if not moved:
            break
    return mult


def _search(frozen: Sets, companion: Sets, crit: list[str], keep: np.ndarray
            ) -> np.ndarray:
    """Two-stage coordinate ascent over the multipliers (see the module docstring)."""
    def f(m: np.ndarray) -> float:
        return frozen.mrr(frozen.ranks(m), keep)[0]

    def g(m: np.ndarray) -> float:
        return companion.mrr(companion.ranks(m), keep)[0]

    mult = _ascend(np.ones(len(crit)), f)  # stage 1: the frozen backtest
    floor = f(mult) - TOL

    def stage2(m: np.ndarray) -> float:  # the companion, the frozen MRR held within TOL
        return g(m) if f(m) >= floor else -np.inf

    return _ascend(mult, stage2)


def _strongest_same_service(frozen: Sets, companion: Sets, crit: list[str],
                            mult: np.ndarray) -> np.ndarray:
    """Stage 3: ``same_service`` raised until it outweighs every other criterion in every
    block of the reference profile, if neither backtest's MRR falls by more than TOL."""
    j = crit.index("same_service")
    blocks = [REFERENCE["weights"], *REFERENCE["services"].values()]
    need = max(w[c] * x for w in blocks for c, x in zip(crit, mult) if c != "same_service")
    before = (frozen.mrr(frozen.ranks(mult))[0], companion.mrr(companion.ranks(mult))[0])
    for x in np.arange(mult[j], 21.0):
        if x * REFERENCE["weights"]["same_service"] > need:
            trial = mult.copy()
            trial[j] = x
            after = (frozen.mrr(frozen.ranks(trial))[0],
                     companion.mrr(companion.ranks(trial))[0])
            print(f"same_service x{x:g}: frozen MRR {before[0]:.4f} -> {after[0]:.4f}, "
                  f"companion {before[1]:.4f} -> {after[1]:.4f}")
            if min(a - b for a, b in zip(after, before)) >= -TOL:
                return trial
            break
    return mult


def _row(label: str, sets: Sets, ranks: np.ndarray, keep: np.ndarray | None = None) -> dict:
    mrr, hit = sets.mrr(ranks, keep)
    cmrr, _chit = sets.mrr(sets.county_nearest, keep)
    return {"variant": label, "mrr": mrr, "hit@5": hit, "county_nearest mrr": cmrr,
            "difference": mrr - cmrr}


def main() -> None:
    pd.set_option("display.width", 200)
    bts = {"frozen": pf.evaluate.backtest(weights=REFERENCE_NAME),
           "companion": pf.evaluate.backtest(weights=REFERENCE_NAME, keep_earlier_ties=True)}
    crit = bts["frozen"].criteria
    sets = {k: Sets.of(bt) for k, bt in bts.items()}
    for k, bt in bts.items():  # re-weighting reproduces the backtest
        got = sets[k].ranks(np.ones(len(crit)))
        assert np.array_equal(got, bt.cases["rank_weights"].to_numpy(float)), k
    everyone = np.ones(len(sets["frozen"].target), dtype=bool)
    mult = _search(sets["frozen"], sets["companion"], crit, everyone)
    mult = _strongest_same_service(sets["frozen"], sets["companion"], crit, mult)
    print("Chosen multipliers:", dict(zip(crit, mult.tolist())))
    rows = []
    families = sorted(set(sets["frozen"].family))
    for k, s in sets.items():
        for label, m in (("reference", np.ones(len(crit))), ("chosen", mult)):
            r = s.ranks(m)
            rows.append({"backtest": k, "family": "all", **_row(label, s, r)})
            for fam in families:
                rows.append({"backtest": k, "family": fam,
                             **_row(label, s, r, s.family == fam)})
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    print("\nLeave one family out (chosen on the other four, scored on the one left out):")
    lofo = []
    for fam in families:
        m = _search(sets["frozen"], sets["companion"], crit, sets["frozen"].family != fam)
        for k, s in sets.items():
            held = s.family == fam
            lofo.append({"left out": fam, "backtest": k,
                         **_row("chosen without it", s, s.ranks(m), held),
                         "chosen on all": s.mrr(s.ranks(mult), held)[0],
                         "multipliers": " ".join(f"{c}={x:g}" for c, x in zip(crit, m)
                                                 if x != 1.0)})
    print(pd.DataFrame(lofo).to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    print("\nWeights (points) the multipliers give:")
    blocks = {"default": REFERENCE["weights"], **REFERENCE["services"]}
    print(pd.DataFrame({name: {c: w[c] * x for c, x in zip(crit, mult)}
                        for name, w in blocks.items()}).T.to_string())


if __name__ == "__main__":
    main()
