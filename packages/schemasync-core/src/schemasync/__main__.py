"""``python -m schemasync``."""

import sys

from schemasync.cli.main import command

sys.exit(command())
