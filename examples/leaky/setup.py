"""The leaky example: build with --hpy-abi=universal and run with HPY=debug."""
from setuptools import Extension, setup

setup(
    name="hpy-leaky",
    version="0.1",
    hpy_ext_modules=[Extension("leaky", sources=["leaky.c"])],
)
