"""ReportLab builders: plain data in, PDF bytes out; no Flask, no database. Filled by the reports issue."""
