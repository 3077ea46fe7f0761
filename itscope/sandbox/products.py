"""Placeholder: routes are added by the sandbox work in progress."""


def rules():
    return []
