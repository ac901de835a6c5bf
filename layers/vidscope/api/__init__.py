"""API plumbing shared by the HTTP functions."""
