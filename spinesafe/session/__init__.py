"""The session layer: both run modes (recorded-video review and live coaching) joining the
three stage rooms (pose -> classifiers -> feedback). Nothing in the stage rooms imports it."""
