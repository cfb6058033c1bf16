"""The update cycle: update rounds for a period, each lead's progress update and metric values
(Partner contributors in the Force see and edit only the activities they lead), reminders, and
the officer's review."""
