"""The media pipeline: pure ffmpeg command builders plus one runner that executes them.

Nothing here knows about Flask, the database or the queue; `videodesk.jobs` glues it to them.
"""
