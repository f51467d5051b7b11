"""Analyses on top of the seat rules: claims written in TOML, checked on the data."""
