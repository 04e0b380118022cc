"""Command line: `.venv/bin/python -m console check` checks the configuration before a first start."""

import sys

USAGE = "usage: .venv/bin/python -m console check"


def main(argv: list[str]) -> int:
    if argv != ["check"]:
        print(USAGE, file=sys.stderr)
        return 2
    import logging

    logging.basicConfig(level=logging.ERROR)  # the check prints its own plain lines
    from console.check import main as check

    return check()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
