"""Service layer: the work behind the API and CLI (queries, CRUD, auth, export, forecasts).

Services take a SQLAlchemy ``Session`` and plain values, raise :mod:`fincast.errors`
exceptions, and commit their own writes. They know nothing about HTTP.
"""
