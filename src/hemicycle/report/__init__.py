"""Drawing: draws, never computes (the numbers come from :mod:`hemicycle.api`; geometry from
:mod:`hemicycle.geo`).

``text`` renders for the terminal (rich). The SVG drawings, each a standalone ``str``:
``hemicycle_svg`` (seat diagram), ``maps`` (constituency map and hexagon cartogram, on the
geometry of :mod:`hemicycle.geo`), ``charts`` (projections, seat distributions, other systems),
``views`` (all of these for an official outcome), with ``palette`` (colour-blind-safe colours) and
``svg`` (helpers); ``html`` assembles them into the offline report.
"""
