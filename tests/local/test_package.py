"""`make package`: byte-deterministic artifacts, rebuilt only when their inputs change."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from sagatools.cli.package_lambdas import package
from sagatools.contract import catalog
from sagatools.contract.archive import FIXED_TIME, sha256_of
from sagatools.contract.paths import LAMBDAS

pytestmark = [pytest.mark.network, pytest.mark.xdist_group("package")]  # its module fixture builds twice: once


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, str], list[bool], Path]:
    first_dir, second_dir = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    first = {artifact.name: artifact.sha256 for artifact in package("lambda", out=first_dir)}
    second = {artifact.name: artifact.sha256 for artifact in package("lambda", out=second_dir, force=True)}
    rebuilt = [artifact.reused for artifact in package("lambda", out=first_dir)]
    return first, second, rebuilt, first_dir


def test_two_builds_give_identical_bytes(two_builds: tuple[dict[str, str], dict[str, str], list[bool], Path]) -> None:
    first, second, _, _ = two_builds
    assert set(first) == {"flight.zip", "hotel.zip", "payment.zip", "api.zip", "dependencies-layer.zip"}
    assert first == second


def test_a_second_build_with_nothing_changed_reuses_every_artifact(
    two_builds: tuple[dict[str, str], dict[str, str], list[bool], Path],
) -> None:
    assert two_builds[2] == [True] * 5


def test_the_manifest_lists_each_artifact_with_the_hash_of_its_bytes(
    two_builds: tuple[dict[str, str], dict[str, str], list[bool], Path],
) -> None:
    first, _, _, out = two_builds
    manifest = json.loads((out / "manifest.json").read_text())
    assert {name: entry["sha256"] for name, entry in manifest.items()} == first
    assert first == {name: sha256_of(out / name) for name in first}


def test_service_zips_hold_their_handlers_and_the_shared_layer_only(
    two_builds: tuple[dict[str, str], dict[str, str], list[bool], Path],
) -> None:
    out = two_builds[3]
    for service in catalog.load().tables:
        with zipfile.ZipFile(out / f"{service}.zip") as archive:
            names = archive.namelist()
            infos = archive.infolist()
        assert names == sorted(names)
        assert [n for n in names if n.startswith("handlers/")] == ["handlers/__init__.py", f"handlers/{service}.py"]
        assert "trip_saga/steps.py" in names and not any(n.endswith(".pyc") or "__pycache__" in n for n in names)
        assert {info.date_time for info in infos} == {FIXED_TIME}
        assert {info.external_attr >> 16 for info in infos} == {0o100644}


def test_the_api_zip_holds_the_api_handler_and_the_shared_layer_only(
    two_builds: tuple[dict[str, str], dict[str, str], list[bool], Path],
) -> None:
    """What Terraform deploys as the bookings API's function (modules/api): handler handlers.api.handler."""
    api = json.loads((LAMBDAS / "functions.json").read_text())["api"]
    with zipfile.ZipFile(two_builds[3] / f"{api['key']}.zip") as archive:
        names = archive.namelist()
        infos = archive.infolist()
        shipped_catalog = json.loads(archive.read("functions.json"))
    assert names == sorted(names)
    assert [n for n in names if n.startswith("handlers/")] == ["handlers/__init__.py", "handlers/api.py"]
    assert api["handler"].rsplit(".", 1)[0].replace(".", "/") + ".py" in names
    assert {"trip_saga/api.py", "trip_saga/models.py", "trip_saga/repository.py"} <= set(names)
    assert shipped_catalog == json.loads((LAMBDAS / "functions.json").read_text())
    assert not any(n.endswith(".pyc") or "__pycache__" in n for n in names)
    assert {info.date_time for info in infos} == {FIXED_TIME}
    assert {info.external_attr >> 16 for info in infos} == {0o100644}


def test_the_layer_is_built_for_lambda_and_leaves_out_what_the_runtime_provides(
    two_builds: tuple[dict[str, str], dict[str, str], list[bool], Path],
) -> None:
    with zipfile.ZipFile(two_builds[3] / "dependencies-layer.zip") as archive:
        names = archive.namelist()
    top = {name.split("/")[1] for name in names}
    assert all(name.startswith("python/") for name in names)
    assert {"aws_lambda_powertools", "pydantic", "pydantic_core", "aws_xray_sdk"} <= top
    assert not top & {"boto3", "botocore", "s3transfer", "bin"}
    assert any("cpython-312-x86_64-linux-gnu" in name for name in names if name.startswith("python/pydantic_core/"))
