"""fincast.db."""
