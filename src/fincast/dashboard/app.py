"""The fincast web dashboard (Streamlit). It talks to the REST API only, through fincast.client.

Start it with ``fincast dashboard`` (alone) or ``fincast run`` (with the API).
"""

from __future__ import annotations

from fincast.dashboard.navigation import main

main()
