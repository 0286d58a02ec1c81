"""Django helper: one `SyncClient` per process, shared by every request thread.

```python
# settings.py
MCP_SERVERS = {"example": {"command": "python", "args": ["examples/server.py"]}}  # or a path / URL
MCP_CLIENT_OPTIONS = {"timeout": 30}  # optional SyncClient keyword options

# views.py
from django.http import JsonResponse
from mcpclient.contrib.django import get_client


def add(request):
    return JsonResponse({"sum": get_client().call_tool("add", {"a": 1, "b": 2}).data})
```

The client is created on first use, not at start-up, so the project can be imported by a
pre-fork server (gunicorn `--preload`, uWSGI) before it forks. Changing `MCP_SERVERS` or
`MCP_CLIENT_OPTIONS` with `override_settings` in tests closes the client; the next
`get_client()` builds one from the new settings.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

from ..sync import SyncClient
from . import SharedClient, source_from_setting

__all__ = ["close_client", "get_client"]


def _create_client() -> SyncClient:
    servers = getattr(settings, "MCP_SERVERS", None)
    if servers is None:
        raise ImproperlyConfigured("mcpclient: set MCP_SERVERS in settings to a server source or an mcpServers dict")
    options = getattr(settings, "MCP_CLIENT_OPTIONS", None) or {}
    return SyncClient(source_from_setting(servers), **options)


_shared = SharedClient(_create_client)


def get_client() -> SyncClient:
    """The process's shared `SyncClient`, built from `settings.MCP_SERVERS` on first use."""
    return _shared.client


def close_client() -> None:
    """Close the shared client (it is also closed at process exit); the next `get_client()` makes a new one."""
    _shared.close()


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("MCP_SERVERS", "MCP_CLIENT_OPTIONS"):
        close_client()


setting_changed.connect(_on_setting_changed, dispatch_uid="mcpclient.contrib.django")
