"""The LangGraph Server backend: the console's pages over a server's threads, through langgraph-sdk (README, "Review a LangGraph Server's threads")."""
