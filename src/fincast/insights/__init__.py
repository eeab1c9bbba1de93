"""fincast.insights."""
