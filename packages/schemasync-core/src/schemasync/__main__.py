"""``python -m schemasync``."""

import sys

from schemasync.cli import main

sys.exit(main())
