"""The local workspace's Lambda runtime: AWS's runtime interface client, plus one thing Lambda does not
do. When an invocation's request asks for AWS-level faults (`faults.aws`), each DynamoDB request the
handler makes carries the invocation's fault context in a header, so that the workspace's endpoint can
answer it as AWS would fail (see sagatools.emulator.aws_faults). Handlers are untouched: the header is added by a
botocore event hook, at the SDK boundary.

    python -S -m fault_context_runtime <handler>     (instead of `python -m awslambdaric <handler>`)"""

import json
import os
import runpy

import botocore.handlers
from awslambdaric.lambda_runtime_marshaller import LambdaMarshaller  # type: ignore[import-untyped]

HEADER = "x-saga-fault-context"  # sagatools.emulator.aws_faults.HEADER; this runs on the function's path, not the tooling's
_context: dict[str, object] = {}
_unmarshal = LambdaMarshaller.unmarshal_request


def _remember(self: LambdaMarshaller, request: bytes, content_type: str = "application/json") -> object:
    event = _unmarshal(self, request, content_type)
    _context.clear()
    booking = event.get("request") if isinstance(event, dict) else None
    faults = booking.get("faults") if isinstance(booking, dict) else None
    if isinstance(booking, dict) and isinstance(faults, dict) and faults.get("aws"):
        _context.update(function=os.environ["AWS_LAMBDA_FUNCTION_NAME"], booking_id=str(booking.get("booking_id")), aws=faults["aws"])
    return event


def _add_header(request: object, **_: object) -> None:
    if _context:
        request.headers[HEADER] = json.dumps(_context)  # type: ignore[attr-defined]


LambdaMarshaller.unmarshal_request = _remember
botocore.handlers.BUILTIN_HANDLERS.append(("request-created.dynamodb", _add_header))
runpy.run_module("awslambdaric", run_name="__main__", alter_sys=True)
