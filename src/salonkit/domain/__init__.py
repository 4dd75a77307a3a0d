"""The pure domain core: values, entities and events shared by every salonkit package.

Nothing here performs I/O or imports SQLAlchemy, pluggy, OR-Tools or an adapter.
"""
