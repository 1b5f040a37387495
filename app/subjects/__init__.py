"""People in custody or under supervision: records, movements, allocation, search, break-glass."""
