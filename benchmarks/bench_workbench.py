"""Benchmark: one weight change in the workbench, to a redrawn ranking (no map) and with the map.

Case: Lancaster's HR & payroll shortlist on 1 June 2024 (370 candidates). Each run moves the
distance slider to a new value (so no cached view is reused) and redraws:

- *ranking*: re-aggregation, the ranked table (``wb.ranking``), rank changes, the
  percentages, the table HTML and the contribution bars (``WorkbenchWidget.redraw_ranking``);
- *with map*: that, plus the live boundary map recoloured, relabelled and encoded as PNG;
- *verdict*: the robustness verdict at the new weights (4,000 seeded SMAA samples and the
  stability intervals), drawn after the table and map; given for information.

Baselines, measured in the same process: scoring the shortlist afresh with the new weights
(``pf.shortlist(..., weights=...)``, what a weight change costs without the workbench), and
drawing the map from scratch (``plot_shortlist_map`` + PNG). Targets (issue 20): ranking
under 50 ms, with map under 300 ms.
Run: ``python benchmarks/bench_workbench.py``.
"""

from __future__ import annotations

import io
import itertools

from _timing import best_of

COUNCIL, SERVICE, AS_OF = "Lancaster", "hr_payroll", "2024-06-01"


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import partnerfit as pf
    from partnerfit.plot.shortlist_map import plot_shortlist_map
    from partnerfit.workbench.mapview import LiveMap
    from partnerfit.workbench.widgets import WorkbenchWidget

    sl = pf.shortlist(COUNCIL, SERVICE, as_of=AS_OF)
    wb = WorkbenchWidget(pf.workbench(sl, show_map=False).model, show_map=False)
    live = LiveMap(wb.model.view)
    values = itertools.cycle(range(1, 100, 2))

    def ranking() -> None:
        wb.model.set_weights({"distance": next(values)})
        wb.redraw_ranking()

    def with_map() -> None:
        ranking()
        live.update(wb.model.view)
        live.png()

    def verdict() -> None:
        wb.model.set_weights({"distance": next(values)})
        wb.model.verdict()

    raw = wb.model.raw_weights.to_dict()

    def rescore() -> None:
        pf.shortlist(COUNCIL, SERVICE, as_of=AS_OF, weights=raw).full_table()

    def full_map() -> None:
        fig = plot_shortlist_map(wb.model.view, top=10, councils=live.frame)
        fig.savefig(io.BytesIO(), format="png", dpi=72)

    ranking(), with_map()  # warm: imports, the table's fixed columns, fonts
    t_rank = best_of(ranking, 20)
    t_map = best_of(with_map, 10)
    t_verdict = best_of(verdict, 3)
    t_rescore = best_of(rescore, 3)
    t_full_map = best_of(full_map, 3)
    print(f"{len(sl.scores)} candidates, {len(sl.criteria)} criteria; best of 20 / 10 / 3 runs")
    print(f"weight change -> redrawn ranking (no map): {t_rank * 1000:7.1f} ms "
          f"(target < 50 ms); {t_rescore / t_rank:5.1f}x faster than scoring afresh "
          f"({t_rescore * 1000:.0f} ms)")
    print(f"weight change -> ranking and map:          {t_map * 1000:7.1f} ms "
          f"(target < 300 ms); map part {(t_map - t_rank) * 1000:.0f} ms, "
          f"{t_full_map / max(t_map - t_rank, 1e-9):4.1f}x faster than drawing the map anew "
          f"({t_full_map * 1000:.0f} ms)")
    print(f"robustness verdict at the new weights:     {t_verdict * 1000:7.1f} ms "
          "(drawn after the table and map)")
    print(f"map redrawn from scratch during the runs: {live.redraws - 1} time(s)")


if __name__ == "__main__":
    main()
