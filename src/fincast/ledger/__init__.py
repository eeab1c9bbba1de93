"""The ledger: its tables, their repositories, the one transaction loader and bulk writer."""
