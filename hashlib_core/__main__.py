"""``python -m hashlib_core``: the command line (see :mod:`hashlib_core.cli`)."""
from hashlib_core.cli import main

raise SystemExit(main())
