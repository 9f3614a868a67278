"""Preflight's CrossGuard policy pack: the production readiness checklist as policies.

Layout: model (metadata + validation), environment (prod/staging/dev), resource (what a check
sees), server (the Analyzer over gRPC), helpers (declarative shapes), rules/ (one module per
checklist section), catalog (collects the rules; the only place that knows them all).
"""
