"""salonkit.plugins."""
