"""hemicycle: French legislative elections, computable."""

__version__ = "0.1.0"
