"""The business of ATOM Cloud: models and async services per area. Never imports strawberry or FastAPI."""
