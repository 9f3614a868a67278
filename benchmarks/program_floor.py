"""The floor of `preflight check`: the same Pulumi program run alone under the Pulumi Python SDK's own mocks.

    <project python> benchmarks/program_floor.py [--as-host] PROGRAM PROJECT STACK INPUT.json

Run by benchmarks/check_overhead.py in the project's interpreter. No Preflight code, no policy pack:
`pulumi.runtime.set_mocks` with a trivial Mocks (a new resource echoes its inputs; an invoke answers the
three identity invokes the bundled stacks read; a StackReference answers the outputs INPUT names), then
the program as `runpy.run_path` under `run_pulumi_func`, which waits for every registration the program
started. Whatever `preflight check` takes beyond this is Preflight's own overhead.

--as-host: the same mocks, but the program run as the Python language host runs it under `pulumi preview`
(settings configured directly, `run_in_stack`, which parents everything to a Stack component and waits for
every output): what `preflight check`'s recording engine does. The SDK's wait for outstanding outputs
costs more there (it re-waits on every pending output each time one completes).

INPUT.json: {"config": {...}, "stackOutputs": {"org/project/stack": {name: value}}}. Prints the number of
resources registered.
"""
from __future__ import annotations

import asyncio
import json
import os
import runpy
import sys


def main(argv) -> int:
    as_host = argv[:1] == ["--as-host"]
    program, project, stack, input_path = argv[1:] if as_host else argv
    with open(input_path, encoding="utf-8") as f:
        given = json.load(f)
    config, stack_outputs = given["config"], given.get("stackOutputs") or {}
    os.environ["PULUMI_CONFIG"] = json.dumps(config)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    import pulumi
    import pulumi.runtime
    from pulumi.runtime.stack import run_pulumi_func

    region = config.get("aws:region", "us-east-1")
    registered = []

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args):
            registered.append(args.typ)
            if args.typ == "pulumi:pulumi:StackReference":
                name = args.inputs.get("name") or args.name
                return [name, {"name": name, "outputs": stack_outputs.get(name, {}), "secretOutputNames": []}]
            return [args.name + "-id", args.inputs]

        def call(self, args):
            return {"accountId": "123456789012", "arn": "arn:aws:iam::123456789012:root", "userId": "AIDAFLOOR",
                    "id": region, "name": region, "region": region, "partition": "aws",
                    "dnsSuffix": "amazonaws.com"}

    if as_host:
        from google.protobuf import empty_pb2
        from pulumi.runtime import mocks, settings
        monitor = mocks.MockMonitor(Mocks())
        settings.configure(mocks.MockSettings(
            monitor=monitor, monitor_features=set(monitor.GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures),
            engine=mocks.MockEngine(None), project=project, stack=stack, dry_run=True, organization="organization",
            callbacks=None, root_directory=None, parallel=None, legacy_apply_enabled=False, outputs=set()))
    else:
        pulumi.runtime.set_mocks(Mocks(), project=project, stack=stack, preview=True)
    pulumi.runtime.set_all_config(config, [])
    program = os.path.abspath(program)
    program_dir = program if os.path.isdir(program) else os.path.dirname(program)
    os.chdir(program_dir)
    sys.path.insert(0, program_dir)
    sys.argv = [program]
    run = pulumi.runtime.run_in_stack if as_host else run_pulumi_func
    loop.run_until_complete(run(lambda: runpy.run_path(program, run_name="__main__")))
    print(len(registered))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
