"""`python -m mcpclient`: the `mcpclient` command line (see `mcpclient.cli`)."""

import sys

from .cli import main

sys.exit(main())
