"""salonkit.storage."""
