"""Review Console core: everything below the pages, with no Streamlit import.

Checkpoints may be written by other processes, so they are untrusted input:
LangGraph must only rebuild allow-listed types from them. The flag is read when
langgraph is first imported, hence it is set here, before any import of it.
"""

import os

os.environ["LANGGRAPH_STRICT_MSGPACK"] = "true"
