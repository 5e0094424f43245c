"""Matplotlib figures for partnerfit results.

Each submodule imports matplotlib lazily, inside its functions, so that
``import partnerfit`` never loads matplotlib.

* :mod:`.network` — the sharing network as a map (:func:`~.network.plot_network`).
* :mod:`.plan` — a grouping plan as a map (:func:`~.plan.plot_plan`).
* :mod:`._basemap` — what the two maps share: frame, land borders, notes, label placement.
* :mod:`.shortlist`, :mod:`.sensitivity`, :mod:`.evaluate` — charts of shortlists,
  sensitivity analyses and backtests.
"""
