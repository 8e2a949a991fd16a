"""Python side of the libFuzzer driver (driver.c imports this module).

Loads the sanitizer build of the host as ``hpy.universal`` (not the in-place
one of the source tree), loads the harness module in HPY_FUZZ_MODE (debug by
default), hands it a pool of awkward objects, and defines ``one(data)``,
called for every input: any exception of the helper is a valid outcome, a
leaked handle (debug mode) is a finding.
"""
import importlib.util
import os
import sys
from pathlib import Path

BUILD = Path(os.environ["HPY_FUZZ_BUILD"])
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import hpy  # noqa: E402  (the package of this tree, once sys.path holds it)

_spec = importlib.util.spec_from_file_location("hpy.universal", str(BUILD / "universal.so"))
assert _spec is not None and _spec.loader is not None
host = importlib.util.module_from_spec(_spec)
sys.modules["hpy.universal"] = host
_spec.loader.exec_module(host)
hpy.universal = host  # type: ignore[attr-defined]

MODE = os.environ.get("HPY_FUZZ_MODE", "debug")
TARGETS = ("parse", "parse_keywords", "parse_keywords_dict", "build_value", "from_format")
TARGET = os.environ.get("HPY_FUZZ_TARGET", "")
if TARGET not in TARGETS:
    raise SystemExit(f"HPY_FUZZ_TARGET must be one of {', '.join(TARGETS)}, not {TARGET!r}")
if MODE not in ("debug", "universal"):
    raise SystemExit(f"HPY_FUZZ_MODE must be debug or universal, not {MODE!r}")

_path = BUILD / "hpyfuzz.hpy0.so"
harness = host.load(
    "hpyfuzz", str(_path), importlib.util.spec_from_file_location("hpyfuzz", str(_path)),
    mode=host.MODE_DEBUG if MODE == "debug" else host.MODE_UNIVERSAL,
)


class Index:
    def __init__(self, value):
        self.value = value

    def __index__(self):
        return self.value


class RaisingIndex:
    def __index__(self):
        raise RuntimeError("__index__ failed")


class RaisingBool:
    def __bool__(self):
        raise RuntimeError("__bool__ failed")


class Float:
    def __float__(self):
        return 2.5


class RaisingFloat:
    def __float__(self):
        raise RuntimeError("__float__ failed")


class BadFloat:
    def __float__(self):
        return "not a float"


class RaisingRepr:
    def __repr__(self):
        raise RuntimeError("__repr__ failed")

    __str__ = __repr__


class BadRepr:
    def __repr__(self):
        return 42

    __str__ = __repr__


class IntSub(int):
    pass


class StrSub(str):
    pass


class FloatSub(float):
    pass


POOL = [
    Index(5), Index(2**80), Index("x"), RaisingIndex(), RaisingBool(), Float(), RaisingFloat(),
    BadFloat(), RaisingRepr(), BadRepr(), IntSub(7), StrSub("sub\u20ac"), FloatSub(-0.5),
    object(), 2**64, -(2**63) - 1, 2**31, -(2**31) - 1, 255, 256, -129, 65536, float("nan"),
    float("inf"), -0.0, 1e308, "a\0b", "\ud800", "\xe9\u20ac\U0001f600", "x" * 300, b"", b"a\0b",
    (1, "a"), [None], {"a": 1}, {1: 2}, 1j, range(3), True, "a", "b", "ab",
]
harness.set_pool(POOL)
_target = getattr(harness, TARGET)

if MODE == "debug":
    from hpy.debug import LeakDetector, disable_handle_stack_traces

    disable_handle_stack_traces()
    _detector = LeakDetector()

    def one(data: bytes) -> None:
        _detector.start()
        try:
            _target(data)
        except Exception:
            pass
        _detector.stop()

else:

    def one(data: bytes) -> None:
        try:
            _target(data)
        except Exception:
            pass
