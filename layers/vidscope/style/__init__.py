"""Style: a video's look and sound measured as StyleJSON, and applied to another (capability style)."""
