"""The bench's yardstick: a bare Streamlit page that shows one 50-row table, nothing else."""

import sys
from pathlib import Path

import pandas as pd
import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ui import nodelay  # noqa: E402

# The console's one transport fix, here too, so that the yardstick and the console differ by their
# work, not by Nagle's algorithm (ui/nodelay.py: without it a run may wait ~40 ms on a delayed ACK).
nodelay.server_sockets_nodelay()
st.title("Bare page")
st.dataframe(pd.DataFrame({"thread": [f"thread-{i}" for i in range(50)], "waiting at": "review",
                           "preview": [f"A short preview of draft {i}" for i in range(50)]}), hide_index=True)
