"""Batch jobs on Dask: train the shared household model and score every user (issue 16).

:mod:`~fincast.services.batch.train` learns the model across users' ledgers and publishes
its file; :mod:`~fincast.services.batch.score` writes every user's forecasts and insights
to result tables, partition by partition, resumably; :mod:`~fincast.services.batch.results`
holds what the API serves from them while they are current. Nothing here is imported
eagerly: the API reads results without loading Dask.
"""
