"""Interoperability tests against MCP servers we did not write (installed into .cache/ on first use)."""
