"""`python -m mcpclient` as a script: what tests run in a preloaded interpreter (tests/zygote.py
runs scripts, not modules). The same entry point as mcpclient/__main__.py."""

import sys

from mcpclient.cli import main

sys.exit(main())
