"""The modes a benchmark runs in, and loading their binaries into this
process: `capi` (the reference), `cpython` (HPy, cpython ABI), and the
universal binary loaded as `universal`, `debug` and `trace`."""
from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from .benches import Bench, check_value
from .build import CAPI_MODULE, HPY_MODULE, Builder, BuildError

REFERENCE = "capi"


@dataclass(frozen=True)
class ModeSpec:
    name: str
    label: str
    abi: str  # "capi", "cpython" or "universal": which binary it loads


MODES: Tuple[ModeSpec, ...] = (
    ModeSpec("capi", "C API", "capi"),
    ModeSpec("cpython", "HPy cpython ABI", "cpython"),
    ModeSpec("universal", "HPy universal", "universal"),
    ModeSpec("debug", "HPy debug", "universal"),
    ModeSpec("trace", "HPy trace", "universal"),
)
MODE_BY_NAME: Dict[str, ModeSpec] = {m.name: m for m in MODES}


def mode_names(arg: Optional[str]) -> List[str]:
    """The modes of a comma-separated --modes value, the reference first."""
    if not arg:
        return [m.name for m in MODES]
    wanted = [s.strip() for s in arg.split(",") if s.strip()]
    unknown = [w for w in wanted if w not in MODE_BY_NAME]
    if unknown:
        raise SystemExit(f"unknown mode(s): {', '.join(unknown)}")
    return [REFERENCE] + [m.name for m in MODES if m.name in wanted and m.name != REFERENCE]


def load_module(mode: str, path: Path) -> types.ModuleType:
    """Imports the binary at `path` in `mode` (without touching sys.modules)."""
    spec_mode = MODE_BY_NAME[mode]
    name = CAPI_MODULE if spec_mode.abi == "capi" else HPY_MODULE
    if spec_mode.abi in ("capi", "cpython"):
        loader = importlib.machinery.ExtensionFileLoader(name, str(path))
        spec = importlib.util.spec_from_file_location(name, str(path), loader=loader)
        assert spec is not None
        mod = importlib.util.module_from_spec(spec)
        loader.exec_module(mod)
        return mod
    hu = importlib.import_module("hpy.universal")
    hmode = getattr(hu, f"MODE_{mode.upper()}")
    spec = importlib.util.spec_from_file_location(name, str(path))
    mod = getattr(hu, "load")(name, str(path), spec, mode=hmode)
    assert isinstance(mod, types.ModuleType)
    return mod


@dataclass
class Mode:
    spec: ModeSpec
    available: bool = False
    note: str = ""  # why the mode is not available
    module: Optional[types.ModuleType] = None
    values: Dict[str, str] = field(default_factory=dict)  # bench -> checked value
    skipped: Dict[str, str] = field(default_factory=dict)  # bench -> reason


def _binary(spec: ModeSpec, builder: Builder) -> Path:
    if spec.abi == "capi":
        return builder.capi()
    binary = builder.hpy(spec.abi)
    return builder.mode_copy(spec.name, binary) if spec.abi == "universal" else binary


def _universal_host_error() -> str:
    try:
        importlib.import_module("hpy.universal")
    except ImportError as e:
        return f"hpy.universal cannot be imported ({type(e).__name__}: {e})"
    return ""


def prepare_modes(names: Sequence[str], builder: Builder, log: Callable[[str], None]) -> List[Mode]:
    """Builds and loads the binary of every mode. The C API extension and the
    HPy extension must build and load; a universal host that is not built
    makes its modes unavailable (with the reason)."""
    modes: List[Mode] = []
    for name in names:
        mode = Mode(MODE_BY_NAME[name])
        log(f"preparing {name}")
        host_error = _universal_host_error() if mode.spec.abi == "universal" else ""
        if host_error:
            mode.note = host_error
            log(f"  {name}: skipped: {host_error}")
        else:
            try:
                path = _binary(mode.spec, builder)
            except BuildError as e:
                raise SystemExit(f"the {mode.spec.label} extension does not build: {e}") from e
            mode.module = load_module(name, path)
            mode.available = True
        modes.append(mode)
    return modes


def check_values(modes: Sequence[Mode], benches: Sequence[Bench]) -> List[str]:
    """Computes each benchmark's value in every available mode and compares
    it with the C API's. A benchmark that raises or differs is not timed in
    that mode; returns the mismatches (which make run.py fail)."""
    ref = next(m for m in modes if m.spec.name == REFERENCE)
    problems: List[str] = []
    for mode in [ref] + [m for m in modes if m is not ref]:
        if mode.module is None:
            continue
        for b in benches:
            try:
                value = check_value(b, mode.module)
            except Exception as e:  # noqa: BLE001 - reported, and the run fails
                mode.skipped[b.name] = f"{type(e).__name__}: {e}"
                problems.append(f"{b.name} [{mode.spec.name}]: raised {type(e).__name__}: {e}")
                continue
            expected = ref.values.get(b.name)
            if mode is not ref and value != expected:
                msg = f"result differs from the C API: {value} != {expected}"
                mode.skipped[b.name] = msg
                problems.append(f"{b.name} [{mode.spec.name}]: {msg}")
                continue
            mode.values[b.name] = value
    return problems
