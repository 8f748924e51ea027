"""Schemathesis hooks (loaded through SCHEMATHESIS_HOOKS by tests/test_openapi.py): bodies it cannot make alone."""
import schemathesis
from hypothesis import strategies

# tus PATCH bodies are raw bytes.
schemathesis.openapi.media_type("application/offset+octet-stream", strategies.binary(max_size=4096))
