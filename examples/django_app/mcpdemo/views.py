"""Views calling MCP tools through the process's shared SyncClient."""

from django.http import HttpRequest, JsonResponse

import mcpclient
from mcpclient.contrib.django import get_client


def tools(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"tools": [tool.name for tool in get_client().list_tools()]})


def add(request: HttpRequest) -> JsonResponse:
    try:
        a, b = int(request.GET.get("a", 0)), int(request.GET.get("b", 0))
    except ValueError:
        return JsonResponse({"error": "a and b must be integers"}, status=400)
    return JsonResponse({"sum": get_client().call_tool("add", {"a": a, "b": b}).data})


def weather(request: HttpRequest, city: str) -> JsonResponse:
    try:
        report = get_client().call_tool("weather", {"city": city}).data
    except mcpclient.MCPClientError as exc:  # server unreachable, timeout, tool error...
        return JsonResponse({"error": str(exc)}, status=502)
    return JsonResponse({"city": report.city, "temperature_c": report.temperature_c, "conditions": report.conditions})
