"""Ticket exports: CSV, JSON and XLSX, streamed; large ones as background jobs."""
