"""The point example: python setup.py --hpy-abi=universal build_ext --inplace"""
from setuptools import Extension, setup

setup(
    name="hpy-point",
    version="0.1",
    hpy_ext_modules=[Extension("point", sources=["point.c"])],
)
