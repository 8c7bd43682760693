"""The operator side of the chat (issue 11): roles, the operator commands and their screens.

Pure like the rest of flows/: reads through the repository, writes as Change dataclasses. The
role check lives in one place, flows/router.py, which asks `access.role_of` before any operator
command runs; the commands themselves never check roles again.
"""
