"""The context's handle constants (ctx->h_*) are the objects they name."""
import builtins
import textwrap
import types

HANDLES = [
    ("None", None), ("True", True), ("False", False), ("NotImplemented", NotImplemented),
    ("Ellipsis", Ellipsis),
] + [(name, getattr(builtins, name)) for name in (
    "BaseException Exception StopAsyncIteration StopIteration GeneratorExit ArithmeticError "
    "LookupError AssertionError AttributeError BufferError EOFError FloatingPointError OSError "
    "ImportError ModuleNotFoundError IndexError KeyError KeyboardInterrupt MemoryError NameError "
    "OverflowError RuntimeError RecursionError NotImplementedError SyntaxError IndentationError "
    "TabError ReferenceError SystemError SystemExit TypeError UnboundLocalError UnicodeError "
    "UnicodeEncodeError UnicodeDecodeError UnicodeTranslateError ValueError ZeroDivisionError "
    "BlockingIOError BrokenPipeError ChildProcessError ConnectionError ConnectionAbortedError "
    "ConnectionRefusedError ConnectionResetError FileExistsError FileNotFoundError "
    "InterruptedError IsADirectoryError NotADirectoryError PermissionError ProcessLookupError "
    "TimeoutError Warning UserWarning DeprecationWarning PendingDeprecationWarning SyntaxWarning "
    "RuntimeWarning FutureWarning ImportWarning UnicodeWarning BytesWarning ResourceWarning"
).split()] + [
    ("BaseObjectType", object), ("TypeType", type), ("BoolType", bool), ("LongType", int),
    ("FloatType", float), ("UnicodeType", str), ("TupleType", tuple), ("ListType", list),
    ("ComplexType", complex), ("BytesType", bytes), ("MemoryViewType", memoryview),
    ("CapsuleType", types.CapsuleType if hasattr(types, "CapsuleType") else None),
    ("SliceType", slice), ("Builtins", builtins.__dict__), ("DictType", dict),
]


def test_handles(hpy):
    n = len(HANDLES)
    fill = "\n".join(f"    items[{i}] = ctx->h_{name};" for i, (name, _) in enumerate(HANDLES))
    body = textwrap.indent(
        "HPyDef_METH(handles, \"handles\", HPyFunc_NOARGS)\n"
        "static HPy handles_impl(HPyContext *ctx, HPy self)\n"
        "{\n"
        f"    HPy items[{n}];\n"
        f"{fill}\n"
        f"    return HPyTuple_FromArray(ctx, items, {n});\n"
        "}\n"
        "@EXPORT(handles)\n"
        "@INIT\n", " " * 8)
    mod = hpy.make_module(body)
    got = mod.handles()
    assert len(got) == n
    for (name, expected), obj in zip(HANDLES, got, strict=True):
        if name == "CapsuleType" and expected is None:
            assert obj.__name__ == "PyCapsule"
        else:
            assert obj is expected, name
