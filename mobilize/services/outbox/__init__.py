"""The outbox: composing and planning messages once each (confirmations, reminders, notices of changes,
organizers' blasts), quiet hours, calendar invitations, and the buffer that enqueues deliveries after commit."""
