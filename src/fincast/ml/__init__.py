"""fincast.ml."""
