from trip_saga.api import handler

__all__ = ["handler"]
