import json
import pulumi
import pulumi_aws as aws

cfg = pulumi.Config()
domain = cfg.require("domain")
zone = aws.route53.get_zone(name=cfg.require("zone"), private_zone=False)
us_east_1 = aws.Provider("us-east-1", region="us-east-1", allowed_account_ids=["444444444444"])

bucket = aws.s3.Bucket("site")
aws.s3.BucketPublicAccessBlock("site", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
                               ignore_public_acls=True, restrict_public_buckets=True)
cert = aws.acm.Certificate("site", domain_name=domain, validation_method="DNS",
                           opts=pulumi.ResourceOptions(provider=us_east_1))
validation = aws.route53.Record(
    "site-validation", zone_id=zone.zone_id,
    name=cert.domain_validation_options.apply(lambda o: o[0].resource_record_name),
    type=cert.domain_validation_options.apply(lambda o: o[0].resource_record_type),
    records=[cert.domain_validation_options.apply(lambda o: o[0].resource_record_value)], ttl=60)
cert_ok = aws.acm.CertificateValidation("site", certificate_arn=cert.arn, validation_record_fqdns=[validation.fqdn],
                                        opts=pulumi.ResourceOptions(provider=us_east_1))
oac = aws.cloudfront.OriginAccessControl("site", origin_access_control_origin_type="s3", signing_behavior="always",
                                         signing_protocol="sigv4")
caching = aws.cloudfront.get_cache_policy(name="Managed-CachingOptimized")
cdn = aws.cloudfront.Distribution(
    "site", enabled=True, aliases=[domain], default_root_object="index.html",
    origins=[{"origin_id": "s3", "domain_name": bucket.bucket_regional_domain_name,
              "origin_access_control_id": oac.id}],
    default_cache_behavior={"target_origin_id": "s3", "viewer_protocol_policy": "redirect-to-https",
                            "allowed_methods": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"],
                            "cache_policy_id": caching.id},
    restrictions={"geo_restriction": {"restriction_type": "none"}},
    viewer_certificate={"acm_certificate_arn": cert_ok.certificate_arn, "ssl_support_method": "sni-only",
                        "minimum_protocol_version": "TLSv1.2_2021"})
aws.s3.BucketPolicy("site", bucket=bucket.id, policy=pulumi.Output.all(bucket.arn, cdn.arn).apply(
    lambda a: json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
        "Resource": f"{a[0]}/*", "Condition": {"StringEquals": {"AWS:SourceArn": a[1]}}}]})))
aws.route53.Record("site", zone_id=zone.zone_id, name=domain, type="A",
                   aliases=[{"name": cdn.domain_name, "zone_id": cdn.hosted_zone_id, "evaluate_target_health": False}])
pulumi.export("bucket", bucket.bucket)
