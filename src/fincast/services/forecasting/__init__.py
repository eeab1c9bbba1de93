"""Forecasting for users: predictions, training, signed model files, data versions.

The one forecasting path behind the API and the CLI. The models themselves are the pure
library :mod:`fincast.ml`; this package adds the user's data (ledger or inline rows), the
cache keyed by the ledger's data version, and model files signed with the configured key.

Modules:
    predictions  ``predict`` (expense, categories, savings) on a user's ledger or inline rows
    training     ``train`` a user's panel model; ``model_info``
    store        fit and save a panel forecaster, load it, predict from a file
    modelfiles   the signed npz + JSON model-file format
    compat       the compatible Python API classes (docs/compatibility.md)
    versions     the data version of a ledger and its invalidation
    cache        the in-process result cache
"""

from fincast.services.forecasting.versions import current_version, data_version, invalidate

__all__ = ["current_version", "data_version", "invalidate"]
