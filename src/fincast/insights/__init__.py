"""Pure rules and math over ledger frames: recurring series, anomalies, their scores."""
