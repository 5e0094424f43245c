"""Benchmark: drawing the national sharing map on the council boundaries, cold and warm,
beside the node-link map of the same network (today's map before the boundary map).

Cold: a fresh Python process that imports partnerfit, builds the network, draws the map and
saves a PNG (boundary file read, polygons decoded, fonts cached by matplotlib beforehand).
Warm: the same figure drawn again in one process (boundaries and paths cached). Each is given
as a ratio to the node-link map measured the same way, in the same run.
Run: ``python benchmarks/bench_maps.py``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _timing import best_of

DATE = "2019-06-01"

_COLD = """
import sys, time
t = time.perf_counter()
import partnerfit as pf
from partnerfit.plot.network import plot_network
G = pf.sharing_graph("{date}")
plot_network(G, kind="{kind}").savefig(sys.argv[1], dpi=100)
print(time.perf_counter() - t)
"""


def cold(kind: str, out: Path, repeat: int = 3) -> float:
    """Fastest of ``repeat`` fresh-process runs (import, network, map, PNG), seconds."""
    times = []
    for _ in range(repeat):
        res = subprocess.run([sys.executable, "-c", _COLD.format(date=DATE, kind=kind),
                              str(out)], capture_output=True, text=True, check=True)
        times.append(float(res.stdout.strip().splitlines()[-1]))
    return min(times)


def main() -> None:
    import partnerfit as pf
    from partnerfit.plot.network import plot_network

    G = pf.sharing_graph(DATE)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "map.png"
        cold("network", out, repeat=1)  # let matplotlib build its font cache first
        cold_net = cold("network", out)
        cold_map = cold("boundaries", out)
        plot_network(G).savefig(out, dpi=100)  # fill the caches
        warm_net = best_of(lambda: plot_network(G, kind="network").savefig(out, dpi=100), 3)
        warm_map = best_of(lambda: plot_network(G).savefig(out, dpi=100), 3)
        t = time.perf_counter()
        plot_network(G).savefig(Path(tmp) / "map.svg")
        svg_map = time.perf_counter() - t
    print(f"National map of {G.number_of_nodes()} councils, {DATE} (PNG, 100 dpi):")
    print(f"  cold (fresh process): node-link {cold_net:.2f} s, boundaries {cold_map:.2f} s, "
          f"ratio {cold_map / cold_net:.2f}")
    print(f"  warm (same process):  node-link {warm_net:.2f} s, boundaries {warm_map:.2f} s, "
          f"ratio {warm_map / warm_net:.2f}")
    print(f"  boundary map as SVG, warm: {svg_map:.2f} s")


if __name__ == "__main__":
    main()
