"""Build of the CPython host module ``hpy.universal``.

Everything else about the package is in pyproject.toml. The C sources are
globbed, so the build follows whatever the source tree holds.

Set HPY_DEBUG_BUILD in the environment for an unoptimised build with
debug information and assertions. Warnings are errors (the host is kept free
of them with gcc and clang); set HPY_NO_WERROR to build with a compiler that
warns about something new.
"""

import os
from glob import glob

from setuptools import Extension, setup


def sources(directory):
    return sorted(glob(os.path.join(directory, "*.c")))


def ext_modules():
    compile_args = [] if os.name == "nt" else ["-Wall", "-Wextra"]
    if os.name != "nt":
        # Every context function ends in a call into libpython: through its
        # GOT entry directly rather than a PLT stub (one jump less).
        compile_args.append("-fno-plt")
    if os.name != "nt" and "HPY_NO_WERROR" not in os.environ:
        compile_args.append("-Werror")
    undef_macros = []
    if "HPY_DEBUG_BUILD" in os.environ:
        compile_args += [] if os.name == "nt" else ["-O0", "-g"]
        undef_macros.append("NDEBUG")
    # The host's private headers live next to its sources; utf8_cut.h next
    # to the runtime sources, which the host shares with every extension.
    src_dirs = ["hpy/universal/src", "hpy/debug/src", "hpy/trace/src", "hpy/devel/src/runtime"]
    return [
        Extension(
            "hpy.universal",
            sources=[c for d in src_dirs for c in sources(d)],
            include_dirs=["hpy/devel/include"] + src_dirs,
            define_macros=[("HPY", None), ("HPY_ABI_UNIVERSAL", None), ("HPY_HOST", None)],
            undef_macros=undef_macros,
            extra_compile_args=compile_args,
            depends=sorted(
                glob("hpy/devel/include/**/*.h", recursive=True)
                + [h for d in src_dirs for h in glob(os.path.join(d, "*.h"))]
            ),
        )
    ]


setup(ext_modules=ext_modules())
