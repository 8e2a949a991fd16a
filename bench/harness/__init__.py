"""The parts of bench/run.py, one concept per module.

benches    what is measured: the statements, their setup and their checked value
build      compiling bench/cpyext_bench.c and bench/hpy_bench.c
modes      the modes (C API, cpython ABI, universal, debug, trace) and loading their binaries
timing     the timing loops, calibration and the interleaved repetitions
ctx_calls  context calls per operation, from trace mode's counts
results    the results document (ratios, geomeans, targets) and writing it

The results are written as JSON only; bench/report/bench-report.ts declares
their format, checks it and writes the Markdown report and the SVG chart.
"""
