"""Local components (two levels), apply chains, exports and a __main__ guard, as real programs have."""
import json
import pulumi
import pulumi_aws as aws


class PrivateBucket(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("shop:storage:PrivateBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(name, opts=child)
        aws.s3.BucketPublicAccessBlock(name, bucket=self.bucket.id, block_public_acls=True, block_public_policy=True,
                                       ignore_public_acls=True, restrict_public_buckets=True, opts=child)
        self.register_outputs({"bucket": self.bucket.bucket})


class Storage(pulumi.ComponentResource):
    def __init__(self, name, names, opts=None):
        super().__init__("shop:storage:Storage", name, None, opts)
        self.buckets = [PrivateBucket(n, pulumi.ResourceOptions(parent=self)) for n in names]
        self.register_outputs({})


def main():
    names = json.loads(pulumi.Config().require("buckets"))
    storage = Storage("storage", names)
    first = storage.buckets[0].bucket
    # An apply chain on a known value (the autoname) and one on an unknown (the ARN).
    label = first.bucket.apply(lambda b: b.upper()).apply(lambda b: f"bucket:{b}")
    arn_label = first.arn.apply(lambda a: a + "/*")
    aws.sqs.Queue("labels", tags={"label": label, "arn": arn_label,
                                  "mode": "preview" if pulumi.runtime.is_dry_run() else "update"})
    pulumi.export("label", label)


if __name__ == "__main__":
    main()
