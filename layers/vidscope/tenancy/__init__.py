"""Tenants, their API keys, and the per-key request limits."""
