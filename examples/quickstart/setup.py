"""Builds the quickstart extension; choose the ABI with --hpy-abi:

    python setup.py --hpy-abi=universal build_ext --inplace
"""
from setuptools import Extension, setup

setup(
    name="hpy-quickstart",
    version="0.1",
    hpy_ext_modules=[Extension("quickstart", sources=["quickstart.c"])],
)
