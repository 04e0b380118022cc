"""The bench's yardstick: a bare Streamlit page that shows one 50-row table, nothing else.

With BENCH_EXTRA_LINES=N in its environment it also shows N lines of st.text, one element each:
bench/element_cost.py serves it so, to say what one more element costs a run.
"""

import os
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
for n in range(int(os.environ.get("BENCH_EXTRA_LINES", "0"))):
    st.text(f"Line {n + 1}")
