"""Streamlit entry point: ``QUALCODE_DB=project.sqlite streamlit run app.py`` (or ``qualcode ui``)."""

from qualcode.ui.app import main

main()
