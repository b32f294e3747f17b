"""HTTP: parse, authorize, render. Business rules live in mobilize.services."""
