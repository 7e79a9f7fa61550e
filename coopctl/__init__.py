"""coopctl: the books and operations of a savings-and-credit cooperative."""

__version__ = "0.1.0"
