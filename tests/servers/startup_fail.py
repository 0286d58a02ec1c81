"""A stdio "server" that fails during start-up: prints an error to stderr and exits with code 3.

It never reads stdin, so a client sees the process die before (or while) sending `initialize`.
"""

import sys

if __name__ == "__main__":
    print("boom: bad config", file=sys.stderr, flush=True)
    sys.exit(3)
