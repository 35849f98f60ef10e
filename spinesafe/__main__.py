"""``python -m spinesafe`` is the same as the ``spinesafe`` command."""

import sys

from spinesafe.cli import main

sys.exit(main())
