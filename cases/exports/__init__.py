"""Exports: one formula-safe writer for every tabular file (`tabular`) and the
background jobs that produce the large ones (`models`, `services`, `worker`)."""
