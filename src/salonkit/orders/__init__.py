"""Orders and checkout: lines, tax, discounts, split tenders, refunds, deposits and fees.

The service is :class:`salonkit.orders.service.OrderService` (``salon.orders``); payments are
built with the helpers of :mod:`salonkit.orders.tenders`.
"""
