"""Playback analytics: the player's beacons (`beacons`), summed per video and minute (`sums`), read
back as quality figures, retention and rankings (`report`). docs/ANALYTICS.md."""
