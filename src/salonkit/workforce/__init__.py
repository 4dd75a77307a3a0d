"""Workforce: commission rules, staff performance (utilisation from the schedule), attendance
(clock in/out) and the floor's day operations (service step progress, running-late flags).

The service is :class:`salonkit.workforce.service.WorkforceService` (``salon.workforce``).
"""
