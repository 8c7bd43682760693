"""A Telegram Bot API server on loopback (server.py), its rules (rules.py) and the person on the
other end of the chat (client.py), for end-to-end tests of the real transports."""
