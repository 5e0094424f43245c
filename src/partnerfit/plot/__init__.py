"""Matplotlib figures for partnerfit results.

Each submodule imports matplotlib lazily, inside its functions, so that
``import partnerfit`` never loads matplotlib.

* :mod:`.network` — the sharing network as a map (:func:`~.network.plot_network`): by default
  the council boundary map of :mod:`.network_map`; ``kind="network"`` for dots and links.
* :mod:`.plan` — a grouping plan as a map (:func:`~.plan.plot_plan`): by default the boundary
  map of :mod:`.plan_map`, one panel per service with its delivery models and leads.
* :mod:`.shortlist_map` — a shortlist's candidates on the boundary map, shaded by score.
* :mod:`._shapes`, :mod:`._labels`, :mod:`._links` — what the boundary maps share: council
  areas, context, scale bar and London inset; labels placed without overlaps or numbered with
  a key; sharing links.
* :mod:`._basemap` — what the node-link maps share: frame, land borders, notes, label
  placement; and the map figure whose saved files are the same bytes on every run.
* :mod:`.shortlist`, :mod:`.sensitivity`, :mod:`.evaluate` — charts of shortlists,
  sensitivity analyses and backtests.
"""
