"""A team module that raises while it is imported (a missing setting of theirs)."""

raise RuntimeError("TEAM_API_KEY is not set")
