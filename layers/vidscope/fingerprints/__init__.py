"""Fingerprints that find the same media again (the ``fingerprint`` capability): the audio print
(Chromaprint), the maths that aligns and scores two prints, and the tenant's index of prints in
the single table (hash-band keys, so a match is a few indexed lookups, never a scan)."""
