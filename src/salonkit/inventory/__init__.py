"""salonkit.inventory."""
