"""Streamlit helpers shared by the pages: keys, the console handle, rendering."""
