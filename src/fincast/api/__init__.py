"""fincast.api."""
