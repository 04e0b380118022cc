"""Benchmark (not a test): what one more element costs a Streamlit run here, the yardstick for the Activity figure.

Run from the repository root:

    .venv/bin/python bench/element_cost.py --repeat 40

It serves bench/bare_page.py (a title and one 50-row table) three times, as it is and with 10 and 25 more
lines of st.text (one element, so one message, each), opens a tab on each (bench/streamlit_session.py,
the websocket protocol) and reloads them in turn, `--repeat` rounds, 0.1 s idle before each, as
bench/activity.py does. It prints each page's median server time (request to script_finished), its
messages a run and what each added element cost on average. Streamlit hands a run's messages to the
websocket in flushes at least 5 ms apart, so the figures move in steps: read the per-element cost as a
rate between the two larger pages, not as one element's price.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.activity import THINK_S, interleaved  # noqa: E402
from bench.streamlit_session import serve  # noqa: E402

EXTRA = (0, 10, 25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40, help="rounds: each reloads every page once (medians)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rc-elements-"))
    with contextlib.ExitStack() as stack:
        ports = {extra: stack.enter_context(serve("bench/bare_page.py", {"BENCH_EXTRA_LINES": str(extra)},
                                                  work / f"bare-{extra}.log", ROOT))[0] for extra in EXTRA}
        tabs = {extra: (port, "", None) for extra, port in ports.items()}  # a tab on each, no reviewer's name
        times, messages = asyncio.run(interleaved(tabs, args.repeat))
    medians = {extra: statistics.median(times[extra]) * 1000 for extra in EXTRA}
    print("| page | messages a run | server time (median) | per added element |")
    print("|---|---:|---:|---:|")
    for extra in EXTRA:
        added = f"{(medians[extra] - medians[0]) / extra:.2f} ms" if extra else "—"
        print(f"| bare page + {extra} lines | {statistics.median(messages[extra]):.0f} | {medians[extra]:.1f} ms | {added} |")
    print(f"\n{args.repeat} rounds, a tab on each page in turn, {THINK_S:g} s idle before each reload")


if __name__ == "__main__":
    main()
