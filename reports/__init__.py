"""ReportLab builders: plain data in, PDF bytes out; no Flask, no database.

    build_case_summary(CaseSummary) -> bytes                 reports.case_summary
    build_subject_access_report(SubjectAccessReport) -> bytes reports.subject_access
    build_audit_extract_pdf(AuditExtract) -> bytes           reports.audit_extract
    audit_extract_csv(AuditExtract) -> bytes                 reports.audit_extract (UTF-8 with BOM)

The input dataclasses are in reports.model; the features' services fill them. Every page carries the
protective marking at top and bottom, who generated the export and when (UTC), "Page n of m" and the
requester's name as a watermark; the first page says why and for whom. The same data gives the same bytes.
Charts come from reports.charts' one layout, drawn as SVG for the web and as vector drawings here. Text is
printed in the embedded DejaVu Sans (reports.fonts), literally and in full: long texts wrap and split across
pages; Arabic is joined and right-to-left runs are put in reading order (reports.rtl). Styles live in
reports.styles, the page machinery in reports.pdf.
"""
