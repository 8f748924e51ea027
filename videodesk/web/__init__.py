"""HTTP: the JSON API, the studio and the reader pages, with the one place domain errors become HTTP."""
