"""pytest plugin of the HPy debug mode.

Enable it with ``pytest_plugins = ["hpy.debug.pytest"]`` in a ``conftest.py``;
a test that requests the ``hpy_debug`` fixture then fails (in teardown) if it
leaks HPy debug handles.
"""

import pytest

from hpy.debug.leakdetector import LeakDetector


@pytest.fixture
def hpy_debug():
    """Run the test under a ``LeakDetector``; yields the detector."""
    with LeakDetector() as detector:
        yield detector
