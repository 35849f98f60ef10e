"""Run MediaPipe once over every corpus clip and cache the landmarks outside the repository.

    python scripts/extract_corpus.py [CORPUS_DIR] [--cache DIR]

The cache (default ``~/.cache/spinesafe/corpus``) makes evaluation re-runs take seconds.
"""
