"""Election night: partial results as they arrive, and the projection conditioned on them.

* :mod:`hemicycle.live.feed` reads a source (the Ministry's XML feed, or a CSV drop) into an
  immutable :class:`~hemicycle.live.feed.Snapshot`, one poll at a time;
* :mod:`hemicycle.live.state` keeps the count in DuckDB tables of its own (``live_*``), one
  idempotent transaction per poll, refusing what contradicts earlier polls;
* :mod:`hemicycle.live.condition` reweights the simulated elections of
  :mod:`hemicycle.sim` by the likelihood of the declared runoffs, and calls races.

The layer sits just above :mod:`hemicycle.sim` (it may import sim, replays, election, data,
rules and errors; nothing below imports it).
"""
