"""Monthly allowances (trợ cấp hằng tháng) for people with meritorious service
and social-protection beneficiaries: dated rates, entitlement decisions, the
monthly payroll of each commune with its arrears and payment results, and
recuperation trips."""
