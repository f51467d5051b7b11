"""Analyses on top of the seat rules: claims written in TOML, checked on the data.

``hemicycle.analysis.replay`` is kept as another name of :mod:`hemicycle.replays`."""
