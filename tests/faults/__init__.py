"""Fault injection: servers that misbehave on purpose, and the typed errors users get."""
