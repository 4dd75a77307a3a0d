"""Reports as plain data: takings by tender, sales by service/product/staff/day, retention,
utilisation heat maps, expenses and P&L, with CSV export (:mod:`salonkit.reports.export`).

The service is :class:`salonkit.reports.service.ReportService` (``salon.reports``); every
computation underneath is a pure function of stored records, usable on its own.
"""
