"""The LangGraph workflows under review, and the registry that lists them."""
