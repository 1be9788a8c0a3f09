"""Serving the knowledge base: web pages and a JSON API (`powerkb serve`, kb/serve/web.py) and an
MCP server for assistants (`powerkb mcp`, kb/serve/mcp.py).

A layer above `kb.base`: it calls the KnowledgeBase API and the CLI's own JSON functions only,
and nothing in the engine imports it (import-linter checks this).
"""
