"""Examples of a team's own workflows, loaded with REVIEW_CONSOLE_WORKFLOWS."""
