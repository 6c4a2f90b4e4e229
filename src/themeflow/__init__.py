"""themeflow: codebook-driven thematic analysis of Chinese qualitative interviews.

The library API a notebook can import; the `themeflow` command is a thin layer over it:

    from themeflow import ingest, code
    result = ingest.run(workspace.load("."))
"""

__version__ = "0.1.0"
