"""The Police and Crime Panel report (a kind of the report engine): its figures and its PDF."""
