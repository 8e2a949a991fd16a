"""The version of the ``hpy`` package (single source of truth)."""

__version__ = "0.9.1.dev0"
