"""Tenants and identity: organizations, users, memberships, API keys, signing keys, tokens, policies."""
