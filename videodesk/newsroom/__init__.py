"""The newsroom's records: the video library, stories and their revisions, the audit log, watch counts."""
