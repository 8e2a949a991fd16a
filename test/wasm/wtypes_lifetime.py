"""The data blocks of HPy types in the WebAssembly host are freed when the
types die (ctx_type_wasm.h), also when they die in a garbage collection
together with their instances; run in Pyodide only (the count is the wasm
host's private hpy.universal._wasm_type_blocks)."""
import gc
import sys

import hpy.universal
import wtypes


def check(name, cond):
    if not cond:
        print("FAILED:", name, hpy.universal._wasm_type_blocks())
        sys.exit(1)
    print("ok", name)


gc.collect()
base = hpy.universal._wasm_type_blocks()
types = [wtypes.make_type() for _ in range(20)]
objs = [T(None) for T in types]
for o in objs:
    o.a = o
check("a block per type", hpy.universal._wasm_type_blocks() == base + 20)
del types, objs, o
gc.collect()
check("freed with their types and instances", hpy.universal._wasm_type_blocks() == base)


class Sub(wtypes.Node):
    pass


check("no block for a Python subclass", hpy.universal._wasm_type_blocks() == base)
try:
    wtypes.make_with_bases((range,))
    refused = ""
except TypeError as e:
    refused = str(e)
check("a type CPython refuses", "not an acceptable base type" in refused)
check("no block left by a type CPython refuses", hpy.universal._wasm_type_blocks() == base)
print("all ok")
