"""Federation tests."""
