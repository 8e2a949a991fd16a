"""HPy in Pyodide: the package the WebAssembly host installs into Pyodide.

``hpy.universal`` is the host itself (an extension module built for wasm32);
importing this package also registers the import hook that finds HPy modules
built for WebAssembly (``NAME.hpy0.wasm``) on ``sys.path``.
"""

from hpy import _wasm_import
from hpy._version import __version__  # noqa: F401 (installHPy writes _version.py)

_wasm_import.install()
