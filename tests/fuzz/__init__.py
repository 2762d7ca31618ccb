"""Differential fuzzing of s2sad: random scalar programs, gradients against finite differences.

`generator.py` makes a seeded, well-formed random program and keeps it only where finite
differences are a trustworthy reference; `test_fuzz.py` runs a fixed set of seeds in CI;
`tools/fuzz.py` runs long fuzz campaigns from the command line.
"""
