"""The I/O boundary: official files in, tidy tables out.

This subpackage is the only code that downloads or parses files. Everything past it works on the
DuckDB store (:mod:`hemicycle.data.store`) and on arrays.
"""
