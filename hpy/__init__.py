"""HPy: a handle-based C API for Python extensions (clean-room implementation)."""

from hpy._version import __version__

__all__ = ["__version__"]
