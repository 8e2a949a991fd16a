"""ABI version, ABI tag and binary file suffixes of HPy extensions.

The constants come from the API description (hpy/devel/autogen_abi.py,
generated like ``HPY_ABI_VERSION``, ``HPY_ABI_VERSION_MINOR`` and
``HPY_ABI_TAG`` of the headers).
"""

from __future__ import annotations

import sysconfig
from typing import Optional, Tuple

from hpy.devel.autogen_abi import HPY_ABI_TAG, HPY_ABI_VERSION, HPY_ABI_VERSION_MINOR, HPY_ABIS

__all__ = [
    "HPY_ABIS",
    "HPY_ABI_TAG",
    "HPY_ABI_VERSION",
    "HPY_ABI_VERSION_MINOR",
    "get_hpy_ext_suffix",
    "parse_ext_suffix",
]

# How many "-"-separated parts of the SOABI make up the interpreter's ABI tag,
# by SOABI prefix; checked in order, so "cpython" must precede "cp".
_TAG_PARTS_BY_PREFIX = (("cpython", 2), ("cp", 1), ("pypy", 2), ("graalpy", 3))


def _interpreter_ext_suffix(ext_suffix: Optional[str]) -> str:
    if ext_suffix is not None:
        return ext_suffix
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    if not suffix:
        raise RuntimeError("hpy.devel.abitag: sysconfig has no EXT_SUFFIX")
    return suffix


def _split_ext_suffix(ext_suffix: str) -> Tuple[str, str]:
    """Split ``"[prefix].<soabi>.<ext>"`` into ``(soabi, ext)``; soabi may be ''."""
    head, dot, ext = ext_suffix.rpartition(".")
    if not dot or not ext:
        raise ValueError(f"hpy.devel.abitag: malformed extension suffix {ext_suffix!r}")
    _, dot, soabi = head.partition(".")
    return (soabi if dot else ""), ext


def parse_ext_suffix(ext_suffix: Optional[str] = None) -> Tuple[str, str]:
    """Return ``(abi_tag, ext)`` for an extension suffix such as
    ``".cpython-310-x86_64-linux-gnu.so"`` -> ``("cp310", "so")``.

    ``ext_suffix`` defaults to the running interpreter's ``EXT_SUFFIX``.
    """
    suffix = _interpreter_ext_suffix(ext_suffix)
    soabi, ext = _split_ext_suffix(suffix)
    if not soabi:
        raise ValueError(
            f"parse_ext_suffix: extension suffix {suffix!r} carries no ABI tag "
            "(expected '.<soabi>.<ext>')"
        )
    parts = soabi.split("-")
    keep = len(parts)
    for prefix, count in _TAG_PARTS_BY_PREFIX:
        if soabi.startswith(prefix):
            keep = count
            break
    tag = "-".join(parts[:keep])
    if tag.startswith("cpython-"):
        tag = "cp" + tag[len("cpython-"):]
    return tag, ext


def get_hpy_ext_suffix(hpy_abi: str, ext_suffix: Optional[str] = None) -> str:
    """Return the file suffix of an HPy extension built for ``hpy_abi``:
    the interpreter's suffix for ``cpython``, ``.hpy0.<ext>`` for ``universal``
    and ``.hpy0-<abi tag>.<ext>`` (e.g. ``.hpy0-cp310.so``) for ``hybrid``.
    """
    suffix = _interpreter_ext_suffix(ext_suffix)
    if hpy_abi == "cpython":
        return suffix
    if hpy_abi == "universal":
        return f".{HPY_ABI_TAG}.{_split_ext_suffix(suffix)[1]}"
    if hpy_abi == "hybrid":
        tag, ext = parse_ext_suffix(suffix)
        return f".{HPY_ABI_TAG}-{tag}.{ext}"
    raise ValueError(
        f"get_hpy_ext_suffix: unknown hpy_abi {hpy_abi!r}; expected one of {', '.join(HPY_ABIS)}"
    )
