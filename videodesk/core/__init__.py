"""The base every layer stands on: settings, the database and its models, ids, text rules,
domain errors, where files live, and the "content changed" signal."""
