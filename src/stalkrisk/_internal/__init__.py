"""The engine room: private helpers that the public modules share. Nothing here is public API.

Modules here import nothing of stalkrisk's public modules, so every layer may use them.
"""
