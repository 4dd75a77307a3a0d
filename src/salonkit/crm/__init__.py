"""Customer analytics: profile and history, segments (new, regular, lapsed, VIP) and RFM scores,
spending trend, expected next visit and recommendations.

The service is :class:`salonkit.crm.service.CrmService` (``salon.crm``); the analytics in
:mod:`salonkit.crm.analytics` are pure functions of a customer's orders.
"""
