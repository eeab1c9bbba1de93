"""fincast.bench."""
