"""The lab: tools the runtime never imports.

The synthetic motion library (test and training data), recogniser training and corpus
evaluation. Only ``tests/``, ``scripts/`` and the ``eval`` / ``train-recogniser`` commands
(the lab's own command-line front ends) import this package.
"""
