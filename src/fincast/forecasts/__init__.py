"""fincast.forecasts."""
