"""videodesk: video-first story packaging for newsrooms.

Packages by layer, each importing only the ones below it (checked by import-linter, see
docs/ARCHITECTURE.md): web and cli, then jobs, then ingest and newsroom, then auth, then media,
then core. `videodesk.app` builds the Flask app from them."""
