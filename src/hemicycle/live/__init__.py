"""Election night: partial results as they arrive, and the projection conditioned on them.

* :mod:`hemicycle.live.feed` reads a source (the Ministry's XML feed, or a CSV drop; a folder or
  a URL) into an immutable :class:`~hemicycle.live.feed.Snapshot`, one poll at a time, and names
  every file it cannot read (:class:`~hemicycle.live.feed.Failure`) without stopping;
* :mod:`hemicycle.live.state` keeps the count in DuckDB tables of its own (``live_totals``,
  ``live_votes``, ``live_polls``), one idempotent transaction per poll, refusing what contradicts
  earlier polls (votes going down, a declared count changing);
* :mod:`hemicycle.live.draws` keeps the Monte Carlo's simulated elections (winners and key) and
  recomputes their expected votes in the runoffs declared;
* :mod:`hemicycle.live.effects` conditions the election-level effects (replicate, mobilisation,
  turnout by sequential Monte Carlo; the national, configuration and department swings in closed
  form) on the declared runoffs and simulates the undeclared ones afresh — the night's default;
* :mod:`hemicycle.live.condition` holds the posterior and the calls, and the alternative that
  reweights the projection's own simulations (ESS, tempering when it collapses);
* :mod:`hemicycle.live.night` ties them together poll after poll; :mod:`hemicycle.live.setup`
  prepares a night from the store; :mod:`hemicycle.live.replay` plays an official round back;
* :mod:`hemicycle.live.runner` computes what ``hemicycle live`` prints (round 2's frames and
  calls, round 1's decisions); :mod:`hemicycle.live.backtest` replays every target's night in
  several declaration orders and scores it.

How ``hemicycle live YEAR --round 2 --source DIR_OR_URL --every 30s`` uses them::

    from hemicycle.live.feed import open_feed
    from hemicycle.live.setup import prepare
    from hemicycle.live.state import LiveState

    prep = prepare(year, store, train=train, sims=sims, seed=seed, lineup=lineup)  # minutes
    feed = open_feed(source, prep.reference)          # OptionError if neither folder nor URL
    state = LiveState(con, year, 2)                   # con: a read-write duckdb connection
    while True:
        report = state.poll(feed)                     # never raises for a bad file
        for failure in report.failures:               # one sentence each: print, go on
            warn(failure.message)
        update = prep.night.update(report.snapshot, poll=report.poll, at=now_iso)
        show(update.posterior, update.calls)          # p_win, seats(), particle_ess
        if update.posterior.declared.all():
            break
        sleep(every)

``--replay`` replaces the feed by :func:`hemicycle.live.replay.replay_night` (``state.ingest``
of each snapshot). The layer sits just above :mod:`hemicycle.sim` (it may import sim, replays,
election, data, rules and errors; nothing below imports it).
"""
