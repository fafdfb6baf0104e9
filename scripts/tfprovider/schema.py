"""The compact provider schema ``extract.py`` writes, and its conversion to tfplugin6 messages.

A block is ``{"a": {name: [type, flags]}, "b": {name: [nesting, min_items, max_items, block]}}``:
``type`` is a cty type in Terraform's JSON notation (``"string"``, ``["set", "string"]``,
``["object", {...}]``, ``"dynamic"``), ``flags`` a string of ``r`` (required), ``o`` (optional) and
``c`` (computed), ``nesting`` one of single, list, set, map. The document is
``{"package", "provider_version", "provider", "resources": {type: block}, "data_sources": {type: block}}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from tf.gen import tfplugin_pb2 as pb

NESTING = {"single": 1, "list": 2, "set": 3, "map": 4, "group": 5}  # tfplugin6 Schema.NestedBlock.NestingMode


@dataclass(frozen=True)
class Attribute:
    type: Any
    flags: str

    @property
    def required(self) -> bool:
        return "r" in self.flags

    @property
    def optional(self) -> bool:
        return "o" in self.flags

    @property
    def computed(self) -> bool:
        return "c" in self.flags


@dataclass(frozen=True)
class NestedBlock:
    nesting: str
    min_items: int
    max_items: int
    block: Block


@dataclass(frozen=True)
class Block:
    raw: dict[str, Any]

    @cached_property
    def attributes(self) -> dict[str, Attribute]:
        return {name: Attribute(entry[0], entry[1]) for name, entry in self.raw["a"].items()}

    @cached_property
    def blocks(self) -> dict[str, NestedBlock]:
        return {name: NestedBlock(entry[0], entry[1], entry[2], Block(entry[3])) for name, entry in self.raw["b"].items()}

    def to_pb(self) -> Any:
        return pb.Schema.Block(
            attributes=[
                pb.Schema.Attribute(
                    name=name,
                    type=json.dumps(attribute.type).encode(),
                    required=attribute.required,
                    optional=attribute.optional,
                    computed=attribute.computed,
                )
                for name, attribute in sorted(self.attributes.items())
            ],
            block_types=[
                pb.Schema.NestedBlock(
                    type_name=name,
                    block=nested.block.to_pb(),
                    nesting=NESTING[nested.nesting],
                    min_items=nested.min_items,
                    max_items=nested.max_items,
                )
                for name, nested in sorted(self.blocks.items())
            ],
        )


class ProviderSchema:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.provider = Block(document["provider"])
        self._resources: dict[str, Block] = {}
        self._data_sources: dict[str, Block] = {}

    @classmethod
    def load(cls, path: Path) -> ProviderSchema:
        return cls(json.loads(path.read_text()))

    @property
    def version(self) -> str:
        return str(self.document["provider_version"])

    def resource(self, type_name: str) -> Block:
        if type_name not in self._resources:
            self._resources[type_name] = Block(self.document["resources"][type_name])
        return self._resources[type_name]

    def data_source(self, type_name: str) -> Block:
        if type_name not in self._data_sources:
            self._data_sources[type_name] = Block(self.document["data_sources"][type_name])
        return self._data_sources[type_name]

    def has_resource(self, type_name: str) -> bool:
        return type_name in self.document["resources"]

    def has_data_source(self, type_name: str) -> bool:
        return type_name in self.document["data_sources"]

    def get_provider_schema_response(self) -> Any:
        """GetProviderSchema's answer: every resource and data source."""

        def schema(raw: dict[str, Any]) -> Any:
            return pb.Schema(version=0, block=Block(raw).to_pb())

        return pb.GetProviderSchema.Response(
            provider=schema(self.document["provider"]),
            provider_meta=schema({"a": {}, "b": {}}),
            resource_schemas={name: schema(raw) for name, raw in self.document["resources"].items()},
            data_source_schemas={name: schema(raw) for name, raw in self.document["data_sources"].items()},
            server_capabilities=pb.ServerCapabilities(plan_destroy=True, get_provider_schema_optional=False),
        )
