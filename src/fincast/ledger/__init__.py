"""fincast.ledger."""
