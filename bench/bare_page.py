"""The bench's yardstick: a bare Streamlit page that shows one 50-row table, nothing else."""

import pandas as pd
import streamlit as st

st.title("Bare page")
st.dataframe(pd.DataFrame({"thread": [f"thread-{i}" for i in range(50)], "waiting at": "review",
                           "preview": [f"A short preview of draft {i}" for i in range(50)]}), hide_index=True)
