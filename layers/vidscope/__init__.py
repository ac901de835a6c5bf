"""Vidscope shared layer: domain logic, data access and API plumbing used by every function."""
