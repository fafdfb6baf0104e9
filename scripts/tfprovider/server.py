"""The stand-in's plugin server: tfplugin6 over gRPC, with go-plugin's handshake, TLS and controller.

The messages, services and go-plugin's controller and stdio services are the ``tf`` package's
generated code; the answers are ours (``standin.py``), driven by the real provider's schema.
"""

from __future__ import annotations

import base64
import datetime
import os
import sys
import tempfile
import threading
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
import msgpack
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from tf.gen import grpc_controller_pb2 as controller_pb
from tf.gen import grpc_controller_pb2_grpc as controller_rpc
from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
from tf.gen import tfplugin_pb2 as pb
from tf.gen import tfplugin_pb2_grpc as rpc

from tfprovider import resources, standin
from tfprovider.aws import Clients
from tfprovider.schema import ProviderSchema

MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
SCHEMA_ENV = "TFPROVIDER_SCHEMA"  # the compact schema JSON; its GetProviderSchema answer is cached beside it (.pb)


def _decode(value: Any) -> Any:
    if value.msgpack:
        return msgpack.unpackb(value.msgpack, raw=False, strict_map_key=False)
    if value.json:
        import json

        return json.loads(value.json)
    return None


def _encode(value: Any) -> Any:
    return pb.DynamicValue(msgpack=msgpack.packb(value, use_bin_type=True))


def _diagnostics(diagnostics: standin.Diagnostics) -> list[Any]:
    return [
        pb.Diagnostic(
            severity=pb.Diagnostic.ERROR,
            summary=summary,
            detail=detail,
            attribute=pb.AttributePath(steps=[pb.AttributePath.Step(attribute_name=step) for step in path]) if path else None,
        )
        for summary, detail, path in diagnostics
    ]


def _error(summary: str, detail: str = "") -> list[Any]:
    diagnostics = standin.Diagnostics()
    diagnostics.error(summary, detail)
    return _diagnostics(diagnostics)


def _without_tags(state: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in state.items() if name not in ("tags", "tags_all")}


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


class StandInProvider(rpc.ProviderServicer):  # type: ignore[misc]
    def __init__(self, schema_path: Path) -> None:
        self.schema_path = schema_path
        self._schema: ProviderSchema | None = None
        self.config = standin.ProviderConfig()
        self._clients: Clients | None = None

    @property
    def schema(self) -> ProviderSchema:
        if self._schema is None:
            self._schema = ProviderSchema.load(self.schema_path)
        return self._schema

    # ------------------------------------------------------------------ schema and configuration

    def GetMetadata(self, request: Any, context: Any) -> Any:
        return pb.GetMetadata.Response(server_capabilities=pb.ServerCapabilities(plan_destroy=True))

    def GetProviderSchema(self, request: Any, context: Any) -> Any:
        cached = self.schema_path.with_suffix(".pb")
        if cached.exists():
            return pb.GetProviderSchema.Response.FromString(cached.read_bytes())
        return self.schema.get_provider_schema_response()

    def ValidateProviderConfig(self, request: Any, context: Any) -> Any:
        diagnostics = standin.validate(self.schema.provider, _decode(request.config))
        return pb.ValidateProviderConfig.Response(diagnostics=_diagnostics(diagnostics))

    def ConfigureProvider(self, request: Any, context: Any) -> Any:
        self.config = standin.ProviderConfig.from_config(_decode(request.config))
        self._clients = Clients(self.config.region, self.config.endpoints)
        return pb.ConfigureProvider.Response()

    def context(self) -> resources.Context:
        if self._clients is None:
            self._clients = Clients(self.config.region, self.config.endpoints)
        return resources.Context(self._clients, self.config.region, self.config.account_id, self.config.partition)

    # ------------------------------------------------------------------ resources

    def ValidateResourceConfig(self, request: Any, context: Any) -> Any:
        if not self.schema.has_resource(request.type_name):
            return pb.ValidateResourceConfig.Response(diagnostics=_error(f"Unknown resource type {request.type_name}"))
        diagnostics = standin.validate(self.schema.resource(request.type_name), _decode(request.config))
        return pb.ValidateResourceConfig.Response(diagnostics=_diagnostics(diagnostics))

    def UpgradeResourceState(self, request: Any, context: Any) -> Any:
        # Every state this provider wrote is at schema version 0, in its own schema's shape.
        if request.raw_state.json:
            return pb.UpgradeResourceState.Response(upgraded_state=pb.DynamicValue(json=request.raw_state.json))
        return pb.UpgradeResourceState.Response(diagnostics=_error("The stand-in reads only JSON states (Terraform's own)"))

    def ReadResource(self, request: Any, context: Any) -> Any:
        """The refresh: a resource deleted outside Terraform reads as gone (null), so the next plan creates
        it; the settings a type reads back (``Resource.refresh``) as AWS holds them, so the plan restores them."""
        resource = resources.IMPLEMENTED.get(request.type_name)
        state = _decode(request.current_state)
        if resource is None or state is None:
            return pb.ReadResource.Response(new_state=request.current_state, private=request.private)
        try:
            fresh = resource.refresh(self.context(), state)
        except Exception as error:  # noqa: BLE001 - any AWS error is the read's diagnostic
            return pb.ReadResource.Response(diagnostics=_error(f"reading {request.type_name}", _describe(error)))
        if fresh == state:
            return pb.ReadResource.Response(new_state=request.current_state, private=request.private)
        return pb.ReadResource.Response(new_state=_encode(fresh), private=request.private)

    def PlanResourceChange(self, request: Any, context: Any) -> Any:
        block = self.schema.resource(request.type_name)
        proposed, prior = _decode(request.proposed_new_state), _decode(request.prior_state)
        resource = resources.IMPLEMENTED.get(request.type_name)
        if resource is None:
            if proposed is None:  # destroying what another provider created: nothing to plan
                return pb.PlanResourceChange.Response(planned_state=_encode(None))
            return pb.PlanResourceChange.Response(
                diagnostics=_error(
                    f"The stand-in provider does not implement {request.type_name}",
                    f"{request.type_name} cannot be planned or applied here: implement it in scripts/tfprovider/resources.py.",
                )
            )
        planned, replace = standin.plan_resource(resource, block, proposed, prior, self.config)
        return pb.PlanResourceChange.Response(
            planned_state=_encode(planned),
            requires_replace=[pb.AttributePath(steps=[pb.AttributePath.Step(attribute_name=name)]) for name in replace],
            planned_private=request.prior_private,
            legacy_type_system=True,  # as the real provider's (SDKv2) resources: defaults are planned for unset arguments
        )

    def ApplyResourceChange(self, request: Any, context: Any) -> Any:
        resource = resources.IMPLEMENTED.get(request.type_name)
        if resource is None:
            return pb.ApplyResourceChange.Response(diagnostics=_error(f"The stand-in provider does not implement {request.type_name}"))
        block = self.schema.resource(request.type_name)
        prior, planned = _decode(request.prior_state), _decode(request.planned_state)
        aws = self.context()
        try:
            if planned is None:
                resource.delete(aws, prior)
                return pb.ApplyResourceChange.Response(new_state=_encode(None), legacy_type_system=True)
            known = standin.known_or_null(planned)  # the resource classes see what is known, unknowns as null
            if prior is None:
                computed = resource.create(aws, known)
            else:
                computed = {}
                if resource.tagging is None or _without_tags(prior) != _without_tags(known):
                    computed = resource.update(aws, prior, known)
                resource.update_tags(aws, prior, known)  # TagResource / UntagResource, for a type tagged that way
        except Exception as error:  # noqa: BLE001 - any AWS error is the apply's diagnostic
            action = "deleting" if planned is None else "creating" if prior is None else "updating"
            failed = pb.ApplyResourceChange.Response(diagnostics=_error(f"{action} {request.type_name}", _describe(error)))
            if prior is not None:
                failed.new_state.CopyFrom(request.prior_state)
            return failed
        return pb.ApplyResourceChange.Response(
            new_state=_encode(standin.complete(block, planned, computed)), private=request.planned_private, legacy_type_system=True
        )

    def ImportResourceState(self, request: Any, context: Any) -> Any:
        return pb.ImportResourceState.Response(diagnostics=_error("The stand-in provider cannot import"))

    def MoveResourceState(self, request: Any, context: Any) -> Any:
        return pb.MoveResourceState.Response(diagnostics=_error("The stand-in provider cannot move state"))

    # ------------------------------------------------------------------ data sources

    def ValidateDataResourceConfig(self, request: Any, context: Any) -> Any:
        if not self.schema.has_data_source(request.type_name):
            return pb.ValidateDataResourceConfig.Response(diagnostics=_error(f"Unknown data source {request.type_name}"))
        diagnostics = standin.validate(self.schema.data_source(request.type_name), _decode(request.config))
        return pb.ValidateDataResourceConfig.Response(diagnostics=_diagnostics(diagnostics))

    def ReadDataSource(self, request: Any, context: Any) -> Any:
        block = self.schema.data_source(request.type_name)
        state, diagnostics = standin.read_data_source(
            request.type_name,
            block,
            _decode(request.config),
            self.config,
            read=lambda type_name, config: resources.read_data_source(self.context(), type_name, config),
        )
        if diagnostics:
            return pb.ReadDataSource.Response(diagnostics=_diagnostics(diagnostics))
        return pb.ReadDataSource.Response(state=_encode(state))

    # ------------------------------------------------------------------ functions, stop

    def GetFunctions(self, request: Any, context: Any) -> Any:
        return pb.GetFunctions.Response()

    def CallFunction(self, request: Any, context: Any) -> Any:
        return pb.CallFunction.Response(error=pb.FunctionError(text=f"unknown function {request.name}"))

    def StopProvider(self, request: Any, context: Any) -> Any:
        return pb.StopProvider.Response()


class _Controller(controller_rpc.GRPCControllerServicer):  # type: ignore[misc]
    def __init__(self, stopped: threading.Event) -> None:
        self.stopped = stopped

    def Shutdown(self, request: Any, context: Any) -> Any:
        self.stopped.set()
        return controller_pb.Empty()


class _Stdio(stdio_rpc.GRPCStdioServicer):  # type: ignore[misc]
    def StreamStdio(self, request: Any, context: Any) -> Any:
        return iter(())


def _certificate() -> tuple[bytes, bytes, bytes]:
    """A fresh self-signed certificate for go-plugin's TLS: (DER, PEM, private key PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH, x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=True
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return certificate.public_bytes(serialization.Encoding.DER), certificate.public_bytes(serialization.Encoding.PEM), key_pem


def serve(schema_path: Path) -> int:
    """Run as Terraform starts a provider plugin: print go-plugin's handshake line, serve until shut down."""
    if os.environ.get(MAGIC_COOKIE_KEY) is None:
        print("This is a Terraform provider plugin (a stand-in for hashicorp/aws): Terraform starts it.", file=sys.stderr)
        return 1
    stopped = threading.Event()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    rpc.add_ProviderServicer_to_server(StandInProvider(schema_path), server)
    controller_rpc.add_GRPCControllerServicer_to_server(_Controller(stopped), server)
    stdio_rpc.add_GRPCStdioServicer_to_server(_Stdio(), server)
    der, pem, key_pem = _certificate()
    with tempfile.TemporaryDirectory(prefix="tfprovider-") as directory:
        socket = f"{directory}/plugin.sock"
        server.add_secure_port(f"unix://{socket}", grpc.ssl_server_credentials([(key_pem, pem)]))
        server.start()
        certificate = base64.b64encode(der).decode().rstrip("=")
        print(f"1|6|unix|{socket}|grpc|{certificate}", flush=True)
        try:
            while not stopped.wait(0.05):
                pass
        except KeyboardInterrupt:
            pass
        server.stop(grace=0.2)
    return 0
