"""The decision log as the pages show it: one DataFrame, typed (demo) names marked, each edit's diff in words."""

from __future__ import annotations

import pandas as pd

from console.decisions import Reviewer
from console.formats import diff


def decision_frame(rows: list[dict], reviewer: Reviewer | None = None) -> pd.DataFrame:
    """Log rows as the pages show them: one reviewer's, or all; typed (demo) names marked as unverified."""
    if reviewer is not None:
        rows = [r for r in rows if r["reviewer"] == reviewer.name]
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame["reviewer"] = [n if v else f"{n} (unverified)" for n, v in zip(frame["reviewer"], frame["reviewer_verified"])]
        frame["what changed"] = frame["changes"].map(diff.log_text)  # an edit's diff in plain words
    return frame
