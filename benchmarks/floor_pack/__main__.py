"""The floor of a Python policy pack: a bare Analyzer that decodes each resource once and judges nothing.

benchmarks/analyze_throughput.py --floor runs it beside the real packs: whatever it costs per call
is the Python gRPC stack's, which no pack written in Python can go below.
"""
import os
import signal
import threading
from concurrent import futures

import grpc
from google.protobuf import empty_pb2, json_format
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc


class BareAnalyzer(analyzer_pb2_grpc.AnalyzerServicer):
    def GetAnalyzerInfo(self, request, context):
        return proto.AnalyzerInfo(name="floor", version="0.0.1", supportsConfig=True)

    def GetPluginInfo(self, request, context):
        return proto.PluginInfo(version="0.0.1")

    def Configure(self, request, context):
        return empty_pb2.Empty()

    def ConfigureStack(self, request, context):
        return proto.AnalyzerStackConfigureResponse()

    def Analyze(self, request, context):
        json_format.MessageToDict(request.properties)
        return proto.AnalyzeResponse()

    def AnalyzeStack(self, request, context):
        for r in request.resources:
            json_format.MessageToDict(r.properties)
        return proto.AnalyzeResponse()


def main() -> None:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4),
                         options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)])
    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(BareAnalyzer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    parent = os.getppid()
    while not stopped.wait(1.0) and os.getppid() == parent:
        pass
    server.stop(0)


main()
