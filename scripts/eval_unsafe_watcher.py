"""Evaluate the unsafe-movement watcher on the corpus (see spinesafe/lab/unsafe_watch_eval.py).

python scripts/eval_unsafe_watcher.py ../shared/corpus [--help]
"""

from __future__ import annotations

import sys

from spinesafe.lab.unsafe_watch_eval import main

if __name__ == "__main__":
    sys.exit(main())
