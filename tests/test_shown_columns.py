"""The inbox shows the columns its rows have, and no column that is blank on every row (a LangGraph Server's search
names no step: its inbox had an empty "Waiting at" column)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from ui import columns

ORDER = ["workflow", "thread_id", "waiting at", "due", "preview"]


def test_a_blank_step_column_is_left_out_and_a_missing_one_skipped():
    server = pd.DataFrame({"workflow": ["a", "b"], "thread_id": ["1", "2"], "waiting at": ["", ""], "preview": ["x", "y"]})
    for rows in (server, pa.Table.from_pandas(server)):
        assert columns.shown(ORDER, rows, drop_when_empty=("waiting at",)) == ["workflow", "thread_id", "preview"]


def test_one_named_step_keeps_the_column_and_only_listed_columns_are_dropped():
    local = pd.DataFrame({"workflow": ["a", "b"], "thread_id": ["1", "2"], "waiting at": ["", "Review"],
                          "due": ["", ""], "preview": ["", ""]})
    for rows in (local, pa.Table.from_pandas(local)):
        assert columns.shown(ORDER, rows, drop_when_empty=("waiting at",)) == ORDER
