"""Background work: the huey queue and what its tasks run (the media pipeline on a Video row)."""
