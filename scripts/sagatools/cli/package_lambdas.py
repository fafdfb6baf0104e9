#!/usr/bin/env python3
"""`make package`: the Lambda artifacts Terraform deploys, byte-deterministic and rebuilt only when
their inputs change.

    build/lambda/<service>.zip            handlers/<service>.py, the shared domain layer (trip_saga/) and the step catalog
    build/lambda/api.zip                  the bookings HTTP API's function: handlers/api.py, the same domain layer and catalog
    build/lambda/dependencies-layer.zip   python/ <- lambdas/requirements.txt for python3.12 x86_64
    build/lambda/manifest.json            sha256 and input hash of each artifact

`--target local` builds what the local workspace runs instead of the Lambda service: the same layer
for this machine's interpreter (a cp312 wheel cannot load in another Python), and build/local/runtime/
with what Lambda's python3.12 runtime provides (boto3 and the runtime interface client).

The layer ships compiled bytecode when the target interpreter is at hand (python3.12 on PATH, or
LAMBDA_PYTHON, for the Lambda layer): /opt is read-only on Lambda, so without it every cold start
compiles pydantic and friends again. The bytecode is deterministic too (hash-based, fixed paths).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sagatools.contract import catalog
from sagatools.contract.archive import files_under, sha256_of, write_zip
from sagatools.contract.paths import LAMBDAS, ROOT

PACKAGER_VERSION = "3"  # bump when the way artifacts are built changes
REQUIREMENTS = LAMBDAS / "requirements.txt"
LOCK = ROOT / "scripts" / "requirements" / "dev.lock"
LAMBDA_PLATFORM = ["--platform", "manylinux2014_x86_64", "--implementation", "cp", "--python-version", "3.12"]
# Lambda's python3.12 runtime ships these; the layer leaves them out (smaller, and no version clash).
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "python_dateutil", "six", "urllib3")
LOCAL_RUNTIME_PACKAGES = ("awslambdaric", "boto3")


@dataclass(frozen=True)
class Built:
    name: str
    path: Path
    sha256: str
    reused: bool
    seconds: float


def digest(*parts: bytes | str) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode() if isinstance(part, str) else part)
        hasher.update(b"\0")
    return hasher.hexdigest()


def code_entries(handlers: list[str]) -> list[tuple[str, Path]]:
    """A function zip: the handlers' modules, the shared domain layer (trip_saga/) and the catalog."""
    handler_modules = {handler.rsplit(".", 1)[0] for handler in handlers}
    entries = [("handlers/__init__.py", LAMBDAS / "handlers" / "__init__.py"), ("functions.json", LAMBDAS / "functions.json")]
    entries += [(module.replace(".", "/") + ".py", LAMBDAS / (module.replace(".", "/") + ".py")) for module in sorted(handler_modules)]
    entries += [(path.relative_to(LAMBDAS).as_posix(), path) for path in files_under(LAMBDAS / "trip_saga")]
    return entries


def service_entries(service: str) -> list[tuple[str, Path]]:
    return code_entries([f.handler for f in catalog.load().functions if f.service == service])


def api_function() -> tuple[str, str]:
    """The bookings API function's key (its zip is <key>.zip) and handler: the catalog's `api` section."""
    api = json.loads((LAMBDAS / "functions.json").read_text())["api"]
    return str(api["key"]), str(api["handler"])


def api_entries() -> list[tuple[str, Path]]:
    return code_entries([api_function()[1]])


def lambda_python() -> str | None:
    """A CPython 3.12 to compile the Lambda layer's bytecode with, if this machine has one."""
    candidate = os.environ.get("LAMBDA_PYTHON") or shutil.which("python3.12")
    if not candidate:
        return None
    version = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True, check=False)
    return candidate if version.stdout.strip() == "(3, 12)" else None


def compile_bytecode(site: Path, python: str, installed_at: str) -> None:
    """Hash-based .pyc (no timestamps) naming the path the layer is unpacked to: reproducible bytes."""
    script = (
        "import compileall, py_compile, sys; "
        "ok = compileall.compile_dir(sys.argv[1], ddir=sys.argv[2], quiet=2, workers=1,"
        " invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH); sys.exit(0 if ok else 1)"
    )
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([python, "-c", script, str(site), installed_at], check=True, env=environment)


def pip_install(target: Path, arguments: list[str]) -> None:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]
    command += ["--only-binary=:all:", "--target", str(target), "-c", str(LOCK), *arguments]
    subprocess.run(command, check=True)


def prune_runtime_provided(site: Path) -> None:
    """Remove the distributions Lambda's runtime provides, file by file from their RECORDs."""
    for record in site.glob("*.dist-info/RECORD"):
        distribution = record.parent.name.split("-")[0].lower()
        if distribution not in RUNTIME_PROVIDED:
            continue
        for line in record.read_text().splitlines():
            relative = line.split(",")[0]
            path = (site / relative).resolve()
            if path.is_file() and site.resolve() in path.parents:
                path.unlink()
        shutil.rmtree(record.parent, ignore_errors=True)
    shutil.rmtree(site / "bin", ignore_errors=True)  # console scripts: nothing runs them in a layer
    for directory in sorted((p for p in site.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()


class Packager:
    def __init__(self, out: Path, *, force: bool) -> None:
        self.out = out
        self.force = force
        self.manifest_path = out / "manifest.json"
        self.manifest: dict[str, dict[str, str]] = json.loads(self.manifest_path.read_text()) if self.manifest_path.exists() else {}

    def _reusable(self, name: str, inputs: str) -> Path | None:
        path = self.out / name
        entry = self.manifest.get(name)
        if self.force or not entry or entry["inputs"] != inputs or not path.exists():
            return None
        return path if sha256_of(path) == entry["sha256"] else None

    def artifact(self, name: str, inputs: str, build: Callable[[Path], str]) -> Built:
        started = time.perf_counter()
        reused = self._reusable(name, inputs)
        if reused:
            return Built(name, reused, self.manifest[name]["sha256"], True, time.perf_counter() - started)
        path = self.out / name
        sha256 = build(path)
        self.manifest[name] = {"inputs": inputs, "sha256": sha256}
        self.manifest_path.write_text(json.dumps(self.manifest, indent=2, sort_keys=True) + "\n")
        return Built(name, path, sha256, False, time.perf_counter() - started)

    def code(self, name: str, entries: list[tuple[str, Path]]) -> Built:
        inputs = digest(PACKAGER_VERSION, *(f"{entry}:{sha256_of(path)}" for entry, path in entries))
        return self.artifact(name, inputs, lambda path: write_zip(path, entries))

    def service(self, service: str) -> Built:
        return self.code(f"{service}.zip", service_entries(service))

    def api(self) -> Built:
        return self.code(f"{api_function()[0]}.zip", api_entries())

    def layer(self, platform: list[str], bytecode_python: str | None) -> Built:
        interpreter = sys.version if not platform else ""
        inputs = digest(PACKAGER_VERSION, REQUIREMENTS.read_bytes(), LOCK.read_bytes(), *platform, interpreter, str(bytecode_python))

        def build(path: Path) -> str:
            with tempfile.TemporaryDirectory() as scratch:
                site = Path(scratch) / "python"
                pip_install(site, [*platform, "-r", str(REQUIREMENTS)])
                prune_runtime_provided(site)
                if bytecode_python:
                    compile_bytecode(site, bytecode_python, "/opt/python")
                files = files_under(Path(scratch), bytecode=bool(bytecode_python))
                return write_zip(path, [(f.relative_to(scratch).as_posix(), f) for f in files])

        return self.artifact("dependencies-layer.zip", inputs, build)

    def local_runtime(self) -> Built:
        """A directory, not a zip: stands in for /var/runtime of Lambda's python3.12 image."""
        inputs = digest(PACKAGER_VERSION, LOCK.read_bytes(), sys.version, *LOCAL_RUNTIME_PACKAGES)
        runtime = self.out / "runtime"
        entry = self.manifest.get("runtime")
        started = time.perf_counter()
        if not self.force and entry and entry["inputs"] == inputs and runtime.is_dir():
            return Built("runtime/", runtime, "-", True, time.perf_counter() - started)
        shutil.rmtree(runtime, ignore_errors=True)
        pip_install(runtime, list(LOCAL_RUNTIME_PACKAGES))
        compile_bytecode(runtime, sys.executable, str(runtime))  # Lambda's /var/runtime ships bytecode too
        self.manifest["runtime"] = {"inputs": inputs, "sha256": "-"}
        self.manifest_path.write_text(json.dumps(self.manifest, indent=2, sort_keys=True) + "\n")
        return Built("runtime/", runtime, "-", False, time.perf_counter() - started)


def package(target: str, *, force: bool = False, out: Path | None = None) -> list[Built]:
    packager = Packager(out or ROOT / "build" / target, force=force)
    built = [*(packager.service(service) for service in sorted(catalog.load().tables)), packager.api()]
    if target == "lambda":
        return [*built, packager.layer(LAMBDA_PLATFORM, lambda_python())]
    return [*built, packager.layer([], sys.executable), packager.local_runtime()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", choices=["lambda", "local"], default="lambda")
    parser.add_argument("--force", action="store_true", help="rebuild even when the inputs did not change")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.target == "lambda" and not lambda_python():
        print("note: no CPython 3.12 here (python3.12 or LAMBDA_PYTHON): the layer ships without bytecode")
    for artifact in package(args.target, force=args.force):
        size = artifact.path.stat().st_size if artifact.path.is_file() else sum(f.stat().st_size for f in files_under(artifact.path))
        state = "reused" if artifact.reused else "built"
        print(f"{artifact.name:<24} {size / 1024:>9.1f} KiB  {artifact.sha256[:16]:<16}  {state:<6} {artifact.seconds:6.2f}s")
    print(f"{args.target} artifacts in {(ROOT / 'build' / args.target).relative_to(ROOT)}/ ({time.perf_counter() - started:.2f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
