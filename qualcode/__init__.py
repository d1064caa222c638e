"""qualcode: a workbench for qualitative coding of Norwegian interview transcripts.

Importing this package loads no spaCy, Streamlit or database code.
"""

__version__ = "0.1.0"
