"""salonkit.loyalty."""
