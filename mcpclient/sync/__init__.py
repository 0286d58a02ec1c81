"""The blocking face: `SyncClient` over a dedicated event-loop thread."""

from .client import SyncClient

__all__ = ["SyncClient"]
