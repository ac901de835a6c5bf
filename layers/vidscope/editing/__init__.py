"""Cutting and re-packaging media: clips for shorts, the download's container. Imports only shared models."""
