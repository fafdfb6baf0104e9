"""Recover hashicorp/aws's provider schema from @cdktn/provider-aws, code generated from that provider's own schema.

For every resource and data source the generated JavaScript (``lib/<type>/index.js``) holds all that
Terraform's schema says about it, in a regular shape:

- ``// <name> - computed: <bool>, optional: <bool>, required: <bool>`` before each attribute and block
  of a resource class and of each nested block's ``...OutputReference`` class: the exact names and flags,
  computed-only attributes included;
- ``<struct>ToHclTerraform`` and ``synthesizeHclAttributes`` list each configurable member with
  ``isBlock``, ``type`` (simple, list, set, map, struct) and ``storageClassType`` (string, stringList, ...);
- a nested block is ``new <S>List(this, "<name>", <wrapsSet>)`` (a list or a set of blocks), or
  ``new <S>OutputReference(this, "<name>")`` with a ``super(..., false, 0)`` constructor (a list of at
  most one block, as SDKv2 declares them) or ``super(..., false)`` (a single block: timeouts, ...);
- the getters of computed-only attributes name their type: ``getStringAttribute``, ``Fn.tolist(getListAttribute)``
  (a set of strings), ...

The jsii assembly (``.jsii``, 147 MB) holds the same structs, but with camelCase names and without the
computed flags, so it is not used; checked against it (once, by hand), the arguments extracted here and
whether each is required agree for every resource and data source but cdktn's renames of reserved words
(``self`` is ``selfAttribute``, ``get_password_data`` ``fetchPasswordData``). What the generated code cannot
tell, and this schema therefore lacks: defaults,
enum and conflict validations, sensitivity, ``max_items`` other than 1, and the type of the few attributes
cdktn models as ``any`` (served as dynamic, so they accept any value).

The result is a compact JSON document (see ``schema.py`` for its shape), written once per package version.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

TOP_LEVEL = re.compile(r"^(?:function (\w+)\(|class (\w+) extends ([\w.]+) \{)", re.M)
HCL_ENTRY = re.compile(
    r"^ +([a-z0-9_]+): \{\n +value: ([^\n]*)\n +isBlock: (true|false),\n +type: \"(\w+)\",\n +storageClassType: \"(\w+)\",",
    re.M,
)
MEMBER = re.compile(r"^    // ([a-z0-9_]+) - computed: (true|false), optional: (true|false), required: (true|false)\n", re.M)
NEW_COMPLEX = re.compile(r'^    _\w+ = new (\w+)\(this, "([a-z0-9_]+)"(?:, (true|false))?\);', re.M)
GETTER = re.compile(r"^    get \w+\(\) \{\n\s+return (.*?);\n", re.M)
RESOURCE_TYPE = re.compile(r'static tfResourceType = "([^"]+)";')
META_ARGUMENTS = {"alias"}  # cdktn's own provider argument, not the provider's

STORAGE_TYPES: dict[str, Any] = {
    "string": "string",
    "number": "number",
    "boolean": "bool",
    "any": "dynamic",
    "stringMap": ["map", "string"],
    "numberMap": ["map", "number"],
    "booleanMap": ["map", "bool"],
    "stringMapMap": ["map", ["map", "string"]],
}
LIST_STORAGE: dict[str, Any] = {"stringList": "string", "numberList": "number", "booleanList": "bool", "stringListList": ["list", "string"]}


def _getter_type(expression: str) -> Any:
    """The cty type a computed attribute's getter reads."""
    as_set = "Fn.tolist(" in expression
    for method, element in (("getNumberListAttribute", "number"), ("getBooleanListAttribute", "bool"), ("getListAttribute", "string")):
        if method + "(" in expression:
            return ["set" if as_set else "list", element]
    for method, cty in (
        ("new cdktn.StringMap", ["map", "string"]),
        ("new cdktn.NumberMap", ["map", "number"]),
        ("new cdktn.BooleanMap", ["map", "bool"]),
        ("getStringMapAttribute", ["map", "string"]),
        ("getNumberMapAttribute", ["map", "number"]),
        ("getBooleanMapAttribute", ["map", "bool"]),
        ("getStringAttribute", "string"),
        ("getNumberAttribute", "number"),
        ("getBooleanAttribute", "bool"),
    ):
        if method + "(" in expression:
            return cty
    return "dynamic"  # interpolationForAttribute: a type cdktn does not model


def _storage_type(kind: str, storage: str) -> Any:
    if kind in ("list", "set") and storage in LIST_STORAGE:
        return [kind, LIST_STORAGE[storage]]
    return STORAGE_TYPES.get(storage, "dynamic")


class _Module:
    """One generated file: its HCL specs by struct, its classes by name."""

    def __init__(self, source: str) -> None:
        self.hcl: dict[str, dict[str, tuple[bool, str, str]]] = {}
        self.classes: dict[str, tuple[str, str]] = {}  # name -> (base, body)
        starts = list(TOP_LEVEL.finditer(source))
        for index, match in enumerate(starts):
            end = starts[index + 1].start() if index + 1 < len(starts) else len(source)
            body = source[match.start() : end]
            if match.group(1):
                name = match.group(1)
                if name.endswith("ToHclTerraform"):
                    struct = name.removesuffix("ToHclTerraform")
                    self.hcl[struct[0].upper() + struct[1:]] = _hcl_entries(body)
            else:
                self.classes[match.group(2)] = (match.group(3), body)

    def main_class(self) -> tuple[str, str, str] | None:
        for base, body in self.classes.values():
            found = RESOURCE_TYPE.search(body)
            if found and base in ("cdktn.TerraformResource", "cdktn.TerraformDataSource", "cdktn.TerraformProvider"):
                return found.group(1), base, body
        return None

    def block(self, body: str, hcl: dict[str, tuple[bool, str, str]], provider: bool = False) -> dict[str, Any]:
        """A block's schema from its class body (flags, complex members, getters) and its HCL spec."""
        attributes: dict[str, Any] = {}
        blocks: dict[str, Any] = {}
        members = list(MEMBER.finditer(body))
        for index, member in enumerate(members):
            name, computed, optional, required = member.group(1), *(flag == "true" for flag in member.group(2, 3, 4))
            if provider and name in META_ARGUMENTS:
                continue
            end = members[index + 1].start() if index + 1 < len(members) else len(body)
            text = body[member.end() : end]
            flags = ("r" if required else "") + ("o" if optional else "") + ("c" if computed else "")
            spec = hcl.get(name)
            complex_member = NEW_COMPLEX.search(text)
            if complex_member and complex_member.group(2) == name:
                nesting, struct = self._nesting(complex_member.group(1), complex_member.group(3), spec)
                if spec is not None and spec[0]:  # a configurable block
                    blocks[name] = [nesting, 1 if required else 0, 1 if nesting == "list1" else 0, self.struct(struct)]
                else:  # computed-only, or an attribute of objects: a typed attribute
                    attributes[name] = [self._object_type(nesting, struct), flags or "c"]
                continue
            if spec is not None and spec[0]:  # a block held without a complex class (the provider's)
                nested = self.hcl.get(spec[2].removesuffix("List"), {})
                blocks[name] = [_nesting_of(spec[1]), 1 if required else 0, 0, self._plain_struct(nested)]
                continue
            if spec is not None:
                attributes[name] = [_storage_type(spec[1], spec[2]), flags]
            else:
                getter = GETTER.search(text)
                typed = text[: getter.end()] if getter else text  # a map's getter returns its cdktn.StringMap field
                attributes[name] = [_getter_type(typed), flags]
        if provider:  # provider classes have no flag comments for nested structs; take the HCL spec
            for name, (is_block, kind, storage) in hcl.items():
                if name in attributes or name in blocks or name in META_ARGUMENTS:
                    continue
                if is_block:
                    blocks[name] = [_nesting_of(kind), 0, 0, self._plain_struct(self.hcl.get(storage.removesuffix("List"), {}))]
                else:
                    attributes[name] = [_storage_type(kind, storage), "o"]
        for entry in blocks.values():
            _conform(entry)
        return {"a": attributes, "b": blocks}

    def _nesting(self, class_name: str, wraps_set: str | None, spec: tuple[bool, str, str] | None) -> tuple[str, str]:
        if class_name.endswith("List"):
            return ("set" if wraps_set == "true" else "list"), class_name.removesuffix("List")
        if class_name.endswith("Map"):
            return "map", class_name.removesuffix("Map")
        struct = class_name.removesuffix("OutputReference")
        _base, body = self.classes.get(class_name, ("", ""))
        if re.search(r"super\(terraformResource, terraformAttribute, false, 0\)", body):
            return ("set" if spec is not None and spec[1] == "set" else "list1"), struct
        return "single", struct

    def struct(self, struct: str) -> dict[str, Any]:
        _base, body = self.classes.get(struct + "OutputReference", ("", ""))
        return self.block(body, self.hcl.get(struct, {}))

    def _plain_struct(self, hcl: dict[str, tuple[bool, str, str]]) -> dict[str, Any]:
        attributes = {name: [_storage_type(kind, storage), "o"] for name, (is_block, kind, storage) in hcl.items() if not is_block}
        blocks = {
            name: [_nesting_of(kind), 0, 0, self._plain_struct(self.hcl.get(storage.removesuffix("List"), {}))]
            for name, (is_block, kind, storage) in hcl.items()
            if is_block
        }
        return {"a": attributes, "b": blocks}

    def _object_type(self, nesting: str, struct: str) -> Any:
        inner = self.struct(struct)
        fields = {name: entry[0] for name, entry in inner["a"].items()}
        for name, (block_nesting, _min, _max, block) in inner["b"].items():
            fields[name] = _block_type(block_nesting, block)
        obj = ["object", fields]
        if nesting in ("list", "list1"):
            return ["list", obj]
        if nesting in ("set", "map"):
            return [nesting, obj]
        return obj


def _conform(entry: list[Any]) -> None:
    """Terraform's rules for a nested block's schema (configschema's InternalValidate)."""
    if entry[0] == "list1":
        entry[0] = "list"
    if entry[0] == "map":
        entry[1] = entry[2] = 0
    elif entry[0] == "single":
        entry[2] = entry[1] = min(entry[1], 1)
    elif entry[0] == "set" and "dynamic" in json.dumps(_block_type("set", entry[3])):
        entry[0] = "list"  # a set may not hold dynamic values; a list accepts the same configuration


def _nesting_of(kind: str) -> str:
    """A block's nesting from its HCL spec type (list, set, or struct: a single block)."""
    return "single" if kind == "struct" else kind


def _block_type(nesting: str, block: dict[str, Any]) -> Any:
    fields = {name: entry[0] for name, entry in block["a"].items()}
    for name, (inner_nesting, _min, _max, inner) in block["b"].items():
        fields[name] = _block_type(inner_nesting, inner)
    obj = ["object", fields]
    return obj if nesting == "single" else [nesting, obj]


def _hcl_entries(body: str) -> dict[str, tuple[bool, str, str]]:
    """name -> (is a block, type, storageClassType). A list of objects mapped with ``listMapperHcl(..., false)``
    is an attribute that cdktn writes as blocks: SDKv2's attributes-as-blocks (security group rules) and the
    plugin framework's nested attributes; both are served as attributes of a list or set of objects type,
    as SDKv2 declares the former (Terraform accepts block syntax for those)."""
    entries = {}
    for match in HCL_ENTRY.finditer(body):
        as_attribute = re.search(r"listMapperHcl\(\w+, false\)", match.group(2)) is not None
        entries[match.group(1)] = (match.group(3) == "true" and not as_attribute, match.group(4), match.group(5))
    return entries


def extract(package_dir: Path) -> dict[str, Any]:
    """The provider schema from an installed @cdktn/provider-aws."""
    package = json.loads((package_dir / "package.json").read_text())
    resources: dict[str, Any] = {}
    data_sources: dict[str, Any] = {}
    provider: dict[str, Any] | None = None
    provider_version = ""
    for path in sorted((package_dir / "lib").glob("*/index.js")):
        source = path.read_text()
        module = _Module(source)
        main = module.main_class()
        if main is None:
            continue
        type_name, base, body = main
        found = re.search(r"providerVersion: '([^']+)'", body)
        if found:
            provider_version = found.group(1)
        synth = body[body.find("synthesizeHclAttributes()") :]
        hcl = _hcl_entries(synth)
        if base == "cdktn.TerraformProvider":
            provider = module.block(body, hcl, provider=True)
        elif base == "cdktn.TerraformDataSource":
            data_sources[type_name.removeprefix("data.")] = module.block(body, hcl)
        else:
            resources[type_name] = module.block(body, hcl)
    if provider is None or not resources:
        raise ValueError(f"{package_dir} does not look like a generated provider package")
    return {
        "package": f"{package['name']}@{package['version']}",
        "provider_version": provider_version,
        "provider": provider,
        "resources": resources,
        "data_sources": data_sources,
    }
