"""Exports: PDF case summaries, subject-access reports and audit extracts, each asked for with a purpose
and a recipient and recorded in the audit trail."""
