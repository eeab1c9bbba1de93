"""fincast.synth."""
