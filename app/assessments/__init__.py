"""Screenings, structured assessments and their lifecycle, accreditation and challenges."""
