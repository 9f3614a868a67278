"""`preflight audit`: production readiness checks against a live AWS account (boto3)."""
