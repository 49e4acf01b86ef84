"""newsarchive: Chinese district-newspaper bulletins → a static, searchable news archive."""

__version__ = "0.1.0"
