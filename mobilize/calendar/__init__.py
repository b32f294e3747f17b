"""iCalendar output: pure functions from plain rows to feeds and calendar links (no I/O, no models)."""
