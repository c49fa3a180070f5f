"""``python -m schemasync``."""

import sys

from schemasync.cli.main import main

sys.exit(main())
