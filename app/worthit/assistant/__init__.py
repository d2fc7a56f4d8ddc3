"""Worthit for an AI assistant: ``worthit mcp``, a read-only Model Context Protocol server
over one workspace. :mod:`~worthit.assistant.tools` answers each question from the same
page computations the app and ``worthit report`` use, over a cache opened read-only;
:mod:`~worthit.assistant.server` puts them behind the official SDK (``mcp``), imported only
there. Nothing here imports Qt, reaches the keyring or the network, or writes."""
