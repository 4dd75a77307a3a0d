"""salonkit.adapters."""
