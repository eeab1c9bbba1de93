"""fincast.panel."""
