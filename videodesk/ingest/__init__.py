"""Getting media in: one intake from multipart bytes, a finished tus upload or a URL import."""
