"""The Streamlit workbench: ``qualcode ui --db DB`` runs :func:`qualcode.ui.app.main`.

Only this package and the top-level ``app.py`` import Streamlit. Pages (``views/``) read widgets,
call one library function (mostly :mod:`qualcode.workbench`) and render the result; they never
write SQL. The page modules live in ``views/`` rather than ``pages/``: Streamlit treats a ``pages/``
folder next to the script it runs (``streamlit_app.py``) as an old-style multipage app and ignores
``st.navigation``.
"""

from __future__ import annotations

#: Streamlit settings the workbench relies on wherever it is started (``.streamlit/config.toml`` holds
#: the same; Streamlit reads that file only from the folder it starts in). ``qualcode ui`` can pass
#: them on the command line with :func:`streamlit_flags`.
STREAMLIT_OPTIONS: dict[str, str] = {
    "browser.gatherUsageStats": "false",
    "server.headless": "true",
    "server.runOnSave": "false",
    "client.showErrorDetails": "none",
    "client.toolbarMode": "minimal",
    "theme.base": "light",
    "theme.primaryColor": "#3F6E8C",
    "theme.backgroundColor": "#FBFAF7",
    "theme.secondaryBackgroundColor": "#F0EEE8",
    "theme.textColor": "#2B2B2B",
    "theme.font": "sans serif",
}


def streamlit_flags() -> list[str]:
    """``["--theme.base", "light", ...]`` for ``streamlit run``."""
    flags: list[str] = []
    for name, value in STREAMLIT_OPTIONS.items():
        flags += [f"--{name}", value]
    return flags
