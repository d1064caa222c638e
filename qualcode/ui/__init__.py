"""The Streamlit workbench: ``qualcode ui --db DB`` runs :func:`qualcode.ui.app.main`.

Only this package and the top-level ``app.py`` import Streamlit. Pages read widgets, call one
library function (mostly :mod:`qualcode.workbench`) and render the result; they never write SQL.
"""
