"""The organizer dashboard: login and sessions, events and shifts, rosters and check-in, turnout."""
