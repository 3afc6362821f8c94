"""Errors every stage may raise and the command line turns into one line each. Kept free of heavy imports: the
parser workers import the command line's module too (multiprocessing re-imports ``__main__``)."""


class StoreError(Exception):
    """The database could not be reached or used; the message is one line, without credentials."""
