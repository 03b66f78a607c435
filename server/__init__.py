"""The composition root: FastAPI app, settings, CLI and the HTTP routes that are not GraphQL."""
