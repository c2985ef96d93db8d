"""cape-tracker: holds arXiv 2605.18838 and 2605.18840 to their seven registered predictions."""

__version__ = "0.1.0"
