"""Seeing the video: one decode (PyAV, at most 720p) that finds shots, picks keyframes and reads
on-screen text for the analyses."""
