"""fincast.dashboard."""
