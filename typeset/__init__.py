"""typeset: Chinese broadsheet newspaper pages from a YAML page spec to print-ready PDF.

Pipeline (one folder per stage): spec → text → layout → display list → render.
"""

__version__ = "0.1.0"
