"""The audit trail: model, record(), verify()."""
