"""A stdio server that reports which client capabilities its client advertised (sampling, elicitation, roots).

Servers such as server-everything list some tools only for clients that advertise a
capability, so a client must advertise only what it handles. Tool: `client_capabilities()`.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("capabilities")


@server.tool()
def client_capabilities(ctx: Context) -> list[str]:
    """The capabilities (of sampling, elicitation, roots) the client advertised, sorted."""
    session: Any = ctx.session
    capabilities = getattr(getattr(session, "_connection", session), "client_capabilities", None)
    if capabilities is None:
        capabilities = getattr(session, "client_params", None) and session.client_params.capabilities
    return sorted(name for name in ("sampling", "elicitation", "roots") if getattr(capabilities, name, None))


if __name__ == "__main__":
    server.run("stdio")
