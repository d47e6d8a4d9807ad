"""Measuring triangulate on public data sets (``triangulate eval``) and fitting the
shipped parameters on training data (``triangulate calibrate``). See docs/eval.md."""
