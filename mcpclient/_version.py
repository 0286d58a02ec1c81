"""The package version (a leaf, so modules below `mcpclient/__init__` can name it)."""

__version__ = "0.1.0"
