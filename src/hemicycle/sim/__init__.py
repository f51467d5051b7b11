"""Round-2 projection: transfers learnt from an earlier election, then Monte Carlo.

Pipeline (one module per step): :mod:`features` (blocs, origins, lineups, withdrawal scenarios) →
:mod:`transfers` (ecological inference: constrained regression + Luce choice model, bootstrap) →
:mod:`calibrate` (noise scales by leave-departments-out cross-validation on the training election) →
:mod:`montecarlo` (numba kernel, numpy path, plain-Python reference; counter-based draws) →
:mod:`project` (tables and seat vectors) → :mod:`evaluate` (scores and baselines, incl.
:mod:`pollsters`). :mod:`api` is the façade the CLI calls.
"""
