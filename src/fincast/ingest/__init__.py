"""fincast.ingest."""
