"""Errors every stage may raise and the command line turns into one line each. Kept free of heavy imports: the
parser workers import the command line's module too (multiprocessing re-imports ``__main__``)."""


class StoreError(Exception):
    """The database could not be reached or used; the message is one line, without credentials."""


class RejectedContent(StoreError):
    """The database is up but refused what one feed delivered (a value it cannot store, a constraint). That is the
    feed's error, recorded against the feed, and never the poll cycle's."""
