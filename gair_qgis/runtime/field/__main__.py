"""`python -m gair_qgis.runtime.field`: see cli.py."""

import sys

from .cli import main

sys.exit(main())
