"""Instrument files (YAML), their JSON Schema and the loader: filled by the assessments issue."""
