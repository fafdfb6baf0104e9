"""Terraform applies the root module to an AWS-compatible endpoint (the local workspace's) through the
stand-in for hashicorp/aws: the same ``terraform init``, ``apply``, ``plan``, ``output`` and ``destroy``
as a deploy to AWS, on a copy of the configuration under build/ (``check.lay_out``) with its state
beside it (a local backend, in the copy), and the stand-in installed from its filesystem mirror by a
CLI configuration under build/ too (never the user's ~/.terraformrc).

Where the stand-in sends its requests: ``AWS_ENDPOINT_URL`` (the endpoint), with fixed local credentials;
the stages' ``invoke_url`` is the emulated gateway's URL when there is one (``execute_api_url``), and the
CloudFront distributions' ``domain_name`` the emulated CloudFront's host:port (``cloudfront_domain``).
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tfprovider import check
from tfprovider.resources import CLOUDFRONT_DOMAIN_ENV, EXECUTE_API_URL_ENV

LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_SESSION_TOKEN": "local"}


class TerraformFailed(RuntimeError):
    def __init__(self, command: str, output: str) -> None:
        super().__init__(f"terraform {command} failed:\n{output}")
        self.output = output


@dataclass
class Deployment:
    """The root module, applied in ``workspace`` to ``endpoint_url`` from a copy at ``directory``."""

    directory: Path
    endpoint_url: str
    workspace: str = "local"
    region: str = "us-east-1"
    variables: dict[str, Any] = field(default_factory=dict)
    var_file: str | None = None  # e.g. environments/dev.tfvars, under the configuration
    root: str = ""  # the root module to apply, under terraform/: "" (the saga) or "bootstrap"
    execute_api_url: str | None = None  # the gateway serving the HTTP APIs, if not execute-api
    cloudfront_domain: str | None = None  # host:port of the local CloudFront serving the distributions, if not cloudfront.net
    s3_bucket: str | None = None  # state in this bucket of the endpoint's S3 (backend.tf's s3 backend), not a local backend
    s3_key: str = "trip-booking-saga/terraform.tfstate"
    parallelism: int = 10
    _environment: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def configuration(self) -> Path:
        return self.directory / "terraform" / self.root if self.root else self.directory / "terraform"

    def environment(self) -> dict[str, str]:
        if not self._environment:
            terraform = check.Terraform(self.configuration, check.install_standin())
            self._environment = {
                **terraform.env,
                **LOCAL_CREDENTIALS,
                "AWS_ENDPOINT_URL": self.endpoint_url,
                "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region,
                "TF_WORKSPACE": self.workspace,
            }
            if self.execute_api_url:
                self._environment[EXECUTE_API_URL_ENV] = self.execute_api_url
            if self.cloudfront_domain:
                self._environment[CLOUDFRONT_DOMAIN_ENV] = self.cloudfront_domain
        return dict(self._environment)

    def lay_out(self, source: Path = check.ROOT) -> Path:
        """A fresh copy of the configuration (what was there, state included, is gone): with a local
        backend, or with ``s3_bucket`` backend.tf's own S3 backend, configured for the endpoint as
        backend.hcl.example is for AWS (native locking: ``use_lockfile``)."""
        configuration = check.lay_out(self.directory, source=source) / self.root
        if self.s3_bucket is None:
            (configuration / check.BACKEND_OVERRIDE).write_text(
                "# Written by the local workspace into its copy of the configuration: the state stays beside it, under build/.\n"
                'terraform {\n  backend "local" {}\n}\n'
            )
        else:
            (configuration / "backend.hcl").write_text(
                f'bucket       = "{self.s3_bucket}"\n'
                f'key          = "{self.s3_key}"\n'
                f'region       = "{self.region}"\n'
                "encrypt      = true\n"
                "use_lockfile = true\n"
                f'endpoints    = {{ s3 = "{self.endpoint_url}" }}\n'
                "use_path_style              = true\n"
                "skip_credentials_validation = true\n"
                "skip_requesting_account_id  = true\n"
                "skip_metadata_api_check     = true\n"
                "skip_region_validation      = true\n"
            )
        return configuration

    def run(self, *args: str, check_exit: bool = True, stream: bool = False) -> subprocess.CompletedProcess[str]:
        command = ["terraform", *args]
        if stream:
            done = subprocess.run(command, cwd=self.configuration, env=self.environment(), text=True, check=False)
        else:
            done = subprocess.run(command, cwd=self.configuration, env=self.environment(), capture_output=True, text=True, check=False)
        if check_exit and done.returncode != 0:
            raise TerraformFailed(args[0], (done.stdout or "") + (done.stderr or ""))
        return done

    def var_arguments(self, variables: dict[str, Any] | None = None) -> list[str]:
        merged = {"region": self.region, **self.variables, **(variables or {})}
        files = [f"-var-file={self.var_file}"] if self.var_file else []
        return files + [f"-var={name}={json.dumps(value) if not isinstance(value, str) else value}" for name, value in merged.items()]

    def init(self) -> None:
        env = self.environment()
        env.pop("TF_WORKSPACE")  # the workspace is created after init
        backend = ["-backend-config=backend.hcl"] if self.s3_bucket else []
        done = subprocess.run(
            ["terraform", "init", "-input=false", "-no-color", *backend],
            cwd=self.configuration,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise TerraformFailed("init", done.stdout + done.stderr)
        if self.workspace != "default":
            listed = subprocess.run(
                ["terraform", "workspace", "list"], cwd=self.configuration, env=env, capture_output=True, text=True, check=True
            ).stdout
            if self.workspace not in [line.strip(" *") for line in listed.splitlines()]:
                subprocess.run(
                    ["terraform", "workspace", "new", "-no-color", self.workspace],
                    cwd=self.configuration,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )

    def apply(self, variables: dict[str, Any] | None = None, *, stream: bool = False) -> tuple[str, float]:
        """``terraform apply -auto-approve``: its output and how long it took."""
        return self._approved("apply", variables, stream=stream)

    def _approved(self, command: str, variables: dict[str, Any] | None, *, stream: bool) -> tuple[str, float]:
        started = time.monotonic()
        arguments = ["-auto-approve", "-input=false", "-no-color", f"-parallelism={self.parallelism}", *self.var_arguments(variables)]
        done = self.run(command, *arguments, stream=stream)
        return done.stdout or "", time.monotonic() - started

    def plan_exit_code(self, variables: dict[str, Any] | None = None) -> tuple[int, str]:
        """``terraform plan -detailed-exitcode``: 0 no changes, 2 changes (1 an error, raised)."""
        done = self.run("plan", "-detailed-exitcode", "-input=false", "-no-color", *self.var_arguments(variables), check_exit=False)
        if done.returncode not in (0, 2):
            raise TerraformFailed("plan", done.stdout + done.stderr)
        return done.returncode, done.stdout

    def outputs(self) -> dict[str, Any]:
        """``terraform output -json``."""
        result: dict[str, Any] = json.loads(self.run("output", "-json", "-no-color").stdout)
        return result

    def destroy(self, variables: dict[str, Any] | None = None, *, stream: bool = False) -> tuple[str, float]:
        """``terraform destroy -auto-approve``: its output and how long it took."""
        return self._approved("destroy", variables, stream=stream)
