"""Writes the constructed captures in this folder, in the shape of the two real ones.

The real captures (pulumi-preview.json, pulumi-update-plan.json) come from /work/shared/reference/.
Re-run after changing a scenario: `python tests/gate/data/make_captures.py`.
"""
import json
import copy
from pathlib import Path

OUT = Path(__file__).parent
T0 = "0001-01-01T00:00:00Z"

def urn(stack, typ, name, project="shop"):
    return f"urn:pulumi:{stack}::{project}::{typ}::{name}"

def stack_urn(stack, project="shop"):
    return urn(stack, "pulumi:pulumi:Stack", f"{project}-{stack}", project)

def provider(stack, project="shop"):
    return urn(stack, "pulumi:providers:aws", "default_7_12_0", project) + "::3b5c8e2a-6f1d-4c1e-9a57-2a4f5d3c1b90"

def root_same(stack):
    rec = {"urn": stack_urn(stack), "custom": False, "type": "pulumi:pulumi:Stack", "created": T0, "modified": T0}
    return {"op": "same", "urn": stack_urn(stack), "oldState": rec, "newState": copy.deepcopy(rec), "detailedDiff": None}

def record(stack, typ, name, inputs, id_=None, outputs=None, **opts):
    r = {"urn": urn(stack, typ, name), "custom": True}
    if id_:
        r["id"] = id_
    r["type"] = typ
    r["inputs"] = inputs
    r["outputs"] = outputs if outputs is not None else dict(inputs, id=id_ or "04da6b54-80e4-46f7-96ec-b56ff0331ba9")
    r["parent"] = stack_urn(stack)
    r.update(opts)
    r["provider"] = provider(stack)
    r["propertyDependencies"] = {k: [] for k in inputs}
    r["created"] = T0
    r["modified"] = T0
    return r

def step(op, stack, typ, name, old=None, new=None, **extra):
    s = {"op": op, "urn": urn(stack, typ, name), "provider": provider(stack)}
    if old is not None:
        s["oldState"] = old
    if new is not None:
        s["newState"] = new
    s.update(extra)
    s.setdefault("detailedDiff", None)
    return s

def preview(steps, summary, diagnostics=None, config=None):
    doc = {}
    if config:
        doc["config"] = config
    doc["steps"] = steps
    if diagnostics:
        doc["diagnostics"] = diagnostics
    doc["duration"] = 912345678
    doc["changeSummary"] = summary
    return doc

RDS = "aws:rds/instance:Instance"
RDS_INPUTS = {"allocatedStorage": 100, "backupRetentionPeriod": 14, "deletionProtection": True,
              "engine": "postgres", "engineVersion": "16.4", "identifier": "orders-db",
              "instanceClass": "db.r6g.large", "multiAz": True, "skipFinalSnapshot": False,
              "deleteAutomatedBackups": False, "storageEncrypted": True, "username": "app",
              "password": "[secret]"}

def write(name, doc):
    (OUT / name).write_text(json.dumps(doc, indent=2) + "\n")

# 1. prod: delete of a protected RDS instance, previewed with --ignore-protect (complete step list)
def rds_delete(stack):
    old = record(stack, RDS, "orders-db", RDS_INPUTS, id_="orders-db", protect=True)
    return step("delete", stack, RDS, "orders-db", old=old)
write("prod-delete-protected-rds.json",
      preview([root_same("prod"), rds_delete("prod")], {"delete": 1, "same": 14}))

# 1b. the same without --ignore-protect: the engine reports the protect error; steps may be incomplete
write("prod-delete-protected-rds-preview-error.json",
      preview([root_same("prod"), rds_delete("prod")], {"delete": 1, "same": 14},
              diagnostics=[{"urn": urn("prod", RDS, "orders-db"), "prefix": "error: ",
                            "message": "unable to delete resource \"" + urn("prod", RDS, "orders-db") +
                            "\"\nas it is currently marked for protection. To unprotect the resource, "
                            "either remove the `protect` flag from the resource in your Pulumi program "
                            "and run `pulumi up`, or use the command:\n`pulumi state unprotect '" +
                            urn("prod", RDS, "orders-db") + "'`\n",
                            "severity": "error"}]))

# 6. dev stack: the same delete in dev
write("dev-delete-rds.json", preview([root_same("dev"), rds_delete("dev")], {"delete": 1, "same": 14}))

# 2. prod: replace of a DynamoDB table (hashKey is replace-forcing), with --show-replacement-steps
DDB = "aws:dynamodb/table:Table"
ddb_old_in = {"attributes": [{"name": "pk", "type": "S"}], "billingMode": "PAY_PER_REQUEST",
              "hashKey": "pk", "name": "orders", "pointInTimeRecovery": {"enabled": True},
              "deletionProtectionEnabled": False}
ddb_new_in = dict(ddb_old_in, attributes=[{"name": "orderId", "type": "S"}], hashKey="orderId")
old = record("prod", DDB, "orders", ddb_old_in, id_="orders")
old_deleting = dict(old, delete=True)
new = record("prod", DDB, "orders", ddb_new_in)
diff = {"attributes[0].name": {"kind": "update-replace", "inputDiff": True},
        "hashKey": {"kind": "update-replace", "inputDiff": True}}
reasons = dict(diffReasons=["attributes", "hashKey"], replaceReasons=["attributes", "hashKey"])
write("prod-replace-dynamodb.json", preview([
    root_same("prod"),
    step("create-replacement", "prod", DDB, "orders", old=old, new=new, detailedDiff=diff, **reasons),
    step("replace", "prod", DDB, "orders", old=old, new=new, detailedDiff=diff, **reasons),
    step("delete-replaced", "prod", DDB, "orders", old=old_deleting, new=new, detailedDiff=diff, **reasons),
], {"replace": 2, "same": 9}))

# 3. prod: protect=False and a replace-forcing change in one update (PR #8873), deletion protection
#    turned off on the same cluster, plus a `same` step that only flips protect on a KMS key
CL = "aws:rds/cluster:Cluster"
cl_old_in = {"clusterIdentifier": "ledger", "engine": "aurora-postgresql", "engineVersion": "16.4",
             "deletionProtection": True, "skipFinalSnapshot": False, "backupRetentionPeriod": 14,
             "storageEncrypted": True, "masterUsername": "app"}
cl_new_in = dict(cl_old_in, engine="aurora-mysql", deletionProtection=False)
cl_old = record("prod", CL, "ledger", cl_old_in, id_="ledger", protect=True)
cl_new = record("prod", CL, "ledger", cl_new_in)
KMS = "aws:kms/key:Key"
kms_in = {"description": "ledger key", "enableKeyRotation": True, "deletionWindowInDays": 30}
kms_old = record("prod", KMS, "ledger-key", kms_in, id_="0f6b7c1e-5a57-4b2c-8f6f-1d2e3c4b5a69", protect=True)
kms_new = record("prod", KMS, "ledger-key", kms_in, id_="0f6b7c1e-5a57-4b2c-8f6f-1d2e3c4b5a69")
write("prod-unprotect-then-replace.json", preview([
    root_same("prod"),
    step("same", "prod", KMS, "ledger-key", old=kms_old, new=kms_new),
    step("replace", "prod", CL, "ledger", old=dict(cl_old, delete=True), new=cl_new,
         diffReasons=["deletionProtection", "engine"], replaceReasons=["engine"],
         detailedDiff={"deletionProtection": {"kind": "update", "inputDiff": True},
                       "engine": {"kind": "update-replace", "inputDiff": True}}),
], {"replace": 2, "same": 12}))

# 4. prod: an op Preflight does not know (a future engine op) on a non-stateful resource
SG = "aws:ec2/securityGroup:SecurityGroup"
sg_in = {"description": "web", "name": "web", "vpcId": "vpc-0a1b2c3d"}
write("prod-unknown-op.json", preview([
    root_same("prod"),
    step("obliterate", "prod", SG, "web", old=record("prod", SG, "web", sg_in, id_="sg-0123456789abcdef0")),
], {"obliterate": 1, "same": 20}))

# 8. prod: protection downgrades on an update (no delete at all)
rds_new_in = dict(RDS_INPUTS, skipFinalSnapshot=True, backupRetentionPeriod=1)
rds_new_in.pop("deleteAutomatedBackups")  # back to the provider default (true)
write("prod-downgrade-rds.json", preview([
    root_same("prod"),
    step("update", "prod", RDS, "orders-db",
         old=record("prod", RDS, "orders-db", RDS_INPUTS, id_="orders-db", protect=True),
         new=record("prod", RDS, "orders-db", rds_new_in, id_="orders-db", protect=True),
         diffReasons=["backupRetentionPeriod", "deleteAutomatedBackups", "skipFinalSnapshot"],
         detailedDiff={"backupRetentionPeriod": {"kind": "update", "inputDiff": True},
                       "deleteAutomatedBackups": {"kind": "delete", "inputDiff": True},
                       "skipFinalSnapshot": {"kind": "update", "inputDiff": True}}),
], {"update": 1, "same": 14}))

# 11. prod: retainOnDelete delete (reported, not gated) and a deletedWith data store (gated)
BUCKET = "aws:s3/bucketV2:BucketV2"
LOG = "aws:cloudwatch/logGroup:LogGroup"
PARAM = "aws:ssm/parameter:Parameter"
write("prod-retain-and-deleted-with.json", preview([
    root_same("prod"),
    step("delete", "prod", PARAM, "feature-flag",
         old=record("prod", PARAM, "feature-flag", {"name": "/shop/flag", "type": "String", "value": "on"},
                    id_="/shop/flag", retainOnDelete=True)),
    step("delete", "prod", LOG, "app-logs",
         old=record("prod", LOG, "app-logs", {"name": "/shop/app", "retentionInDays": 365},
                    id_="/shop/app", deletedWith=urn("prod", "aws:ecs/cluster:Cluster", "app"))),
], {"delete": 2, "same": 30}))

# 7. prod, saved update plan: an RDS delete, a bucket update turning forceDestroy on, a secret
#    whose recovery window changes, and an ordinary update
def rp(goal, steps, state, seed="q0Tn1cT3Jd9mQ2o3b4p5r6s7t8u9v0w1x2y3z4A5B6C="):
    out = {}
    if goal is not None:
        out["goal"] = goal
    out["steps"] = steps
    out["state"] = state
    out["seed"] = seed
    return out

def goal(stack, typ, name, input_diff, protect=False, **extra):
    g = {"type": typ, "name": name, "custom": True, "inputDiff": input_diff, "outputDiff": {},
         "parent": stack_urn(stack), "protect": protect,
         "provider": provider(stack).rsplit("::", 1)[0] + "::04da6b54-80e4-46f7-96ec-b56ff0331ba9",
         "customTimeouts": {}}
    g.update(extra)
    return g

SECRET = "aws:secretsmanager/secret:Secret"
LAMBDA = "aws:lambda/function:Function"
plan = {"manifest": {"time": "2026-03-02T09:14:07.1180302Z",
                     "magic": "03503ad839446037795e489261c69ed98257c899e8d4e52abb8134db63afcdd3",
                     "version": "3.220.0"},
        "config": {"aws:region": "eu-west-1", "preflight:environment": "prod"},
        "resourcePlans": {
            urn("shop-live", RDS, "orders-db"): rp(None, ["delete"], None),
            urn("shop-live", BUCKET, "invoices"): rp(
                goal("shop-live", BUCKET, "invoices", {"updates": {"forceDestroy": True}}, protect=True),
                ["update"], {"bucket": "invoices-7d1f0e2", "forceDestroy": True, "id": "invoices-7d1f0e2"}),
            urn("shop-live", SECRET, "db-password"): rp(
                goal("shop-live", SECRET, "db-password", {"updates": {"recoveryWindowInDays": 0}}),
                ["update"], {"name": "db-password", "recoveryWindowInDays": 0}),
            urn("shop-live", LAMBDA, "api"): rp(
                goal("shop-live", LAMBDA, "api", {"updates": {"memorySize": 512}}),
                ["update"], {"memorySize": 512}),
            stack_urn("shop-live"): rp(
                {"type": "pulumi:pulumi:Stack", "name": "shop-shop-live", "custom": False,
                 "inputDiff": {}, "outputDiff": {}, "protect": False, "customTimeouts": {}},
                ["same"], {}),
        }}
write("prod-update-plan-destructive.json", plan)

# 9. prod, saved update plan against an empty backend: everything is a create
creates = {stack_urn("prod"): rp({"type": "pulumi:pulumi:Stack", "name": "shop-prod", "custom": False,
                                   "inputDiff": {}, "outputDiff": {}, "protect": False, "customTimeouts": {}},
                                  ["create"], {})}
for _i, (typ, name) in enumerate([(RDS, "orders-db"), (DDB, "orders"), (BUCKET, "invoices"),
                                  (KMS, "data-key"), (LOG, "app-logs"), (LAMBDA, "api"),
                                  (SG, "web"), ("aws:ec2/vpc:Vpc", "main")]):
    creates[urn("prod", typ, name)] = rp(
        goal("prod", typ, name, {"adds": {"__defaults": [], "name": name}}), ["create"], {"name": name})
write("prod-mass-create-plan.json", {"manifest": plan["manifest"], "config": {"aws:region": "eu-west-1"},
                                     "resourcePlans": creates})
print("ok")
