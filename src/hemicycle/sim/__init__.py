"""Round-2 projection: transfers learnt from earlier elections (pooled), then Monte Carlo.

Pipeline (one module per step): :mod:`features` (blocs, origins, lineups, withdrawal scenarios) →
:mod:`transfers` (ecological inference: constrained regression + Luce choice model, bootstrap) →
:mod:`calibrate` (noise scales by leave-departments-out cross-validation; the pooled noise and the
priors chosen by the back-test) →
:mod:`montecarlo` (numba kernel and plain-Python reference; counter-based draws) →
:mod:`project` (tables and seat vectors) → :mod:`evaluate` (scores and baselines, incl.
:mod:`pollsters`) → :mod:`backtest` (every target from earlier elections only). :mod:`api` is the
façade the CLI calls.
"""
