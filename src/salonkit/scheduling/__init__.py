"""salonkit.scheduling."""
