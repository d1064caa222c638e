"""The script ``qualcode ui`` hands to ``streamlit run`` (the database path comes in QUALCODE_DB)."""

from qualcode.ui.app import main

main()
