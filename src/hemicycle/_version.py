"""The version of hemicycle (one place; ``hemicycle.__version__`` re-exports it)."""

__version__ = "0.1.0"
