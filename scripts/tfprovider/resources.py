"""The resource types the stand-in applies: each a small class whose create, read, update and delete
call the AWS APIs through boto3 (tfprovider.aws), with what the real hashicorp/aws plans for it:
the arguments it replaces the resource for (``force_new``), its defaults, and the JSON documents it
compares by meaning (``json_attributes``).

``create`` and ``update`` take the planned state (every value known but the computed ones the plan left
unknown) and return the computed values; the server fills the plan's unknowns from them (and with null
where they say nothing), so a result never contradicts its plan. ``exists`` is the refresh: a resource
deleted behind Terraform's back is planned again.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import uuid
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

from tfprovider.aws import Clients, not_found

# Where HTTP APIs are served when that is not execute-api (an emulator's gateway): the stages' invoke_url.
EXECUTE_API_URL_ENV = "TFPROVIDER_EXECUTE_API_URL"


class Context:
    def __init__(self, clients: Clients, region: str, account_id: str, partition: str) -> None:
        self.client = clients
        self.region = region
        self.account_id = account_id
        self.partition = partition

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return f"arn:{self.partition}:{service}:{self.region if region else ''}:{self.account_id if account else ''}:{resource}"


# Where Service Quotas values come from when no AWS endpoint is configured (`make validate` plans):
# JSON {"<service code>/<quota name or code>": value}. Without it, such a read fails: never a made-up quota.
SERVICE_QUOTAS_ENV = "TFPROVIDER_SERVICE_QUOTAS"


# ----------------------------------------------------------------------------------------------- data sources read from AWS


def read_data_source(aws: Context, type_name: str, config: dict[str, Any]) -> dict[str, Any]:
    """What a data source reads from AWS (the ones tfprovider.standin.READ_FROM_AWS lists)."""
    if type_name != "aws_servicequotas_service_quota":
        raise NotImplementedError(f"{type_name} is not read by the stand-in")
    service, code, name = config["service_code"], config.get("quota_code"), config.get("quota_name")
    offline = os.environ.get(SERVICE_QUOTAS_ENV)
    if offline is not None and not (os.environ.get("AWS_ENDPOINT_URL") or aws.client.endpoints):
        values = json.loads(offline)
        key = f"{service}/{code or name}"
        if key not in values:
            raise LookupError(f"{SERVICE_QUOTAS_ENV} has no {key}")
        value = float(values[key])
        return {"value": value, "default_value": value, "quota_code": code, "quota_name": name, "adjustable": True, "id": key}
    # As the real provider does: the AWS default (by code, or listed by name), then the applied value if any.
    quotas = aws.client("service-quotas")
    if code:
        default = quotas.get_aws_default_service_quota(ServiceCode=service, QuotaCode=code)["Quota"]
    else:
        listed = quotas.list_aws_default_service_quotas(ServiceCode=service)["Quotas"]
        matches = [quota for quota in listed if quota["QuotaName"] == name]
        if len(matches) != 1:
            raise LookupError(f"{service} has no quota named {name!r}")
        default = matches[0]
    value = default["Value"]
    try:
        value = quotas.get_service_quota(ServiceCode=service, QuotaCode=default["QuotaCode"])["Quota"]["Value"]
    except Exception as error:
        if "NoSuchResource" not in str(error):
            raise
    return {
        "value": float(value),
        "default_value": float(default["Value"]),
        "quota_code": default["QuotaCode"],
        "quota_name": default["QuotaName"],
        "adjustable": bool(default.get("Adjustable", False)),
        "global_quota": bool(default.get("GlobalQuota", False)),
        "arn": default.get("QuotaArn"),
        "service_name": default.get("ServiceName"),
        "id": f"{service}/{default['QuotaCode']}",
    }


# ----------------------------------------------------------------------------------------------- helpers


def one(state: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The single element of a block of at most one (list nesting), or None."""
    value = state.get(name)
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return None


def drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None and value != [] and value != {}}


def tag_list(state: dict[str, Any], key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in sorted((state.get("tags_all") or {}).items())]


def tag_map(state: dict[str, Any]) -> dict[str, str]:
    return dict(state.get("tags_all") or {})


def read_file(path: str) -> bytes:
    return Path(path).read_bytes()


def iso(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def changed(prior: dict[str, Any], planned: dict[str, Any], *names: str) -> bool:
    return any(prior.get(name) != planned.get(name) for name in names)


def _normal_json(value: Any, key: str | None = None) -> Any:
    """A JSON document in a form where equivalent IAM policies are equal: a one-element list and its
    element are one, lists of strings are sets (Action, Resource, principals, condition values)."""
    if isinstance(value, dict):
        return {k: _normal_json(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_normal_json(v) for v in value]
        if all(isinstance(item, str) for item in items):
            items = sorted(set(items))
            return items[0] if len(items) == 1 else items
        if key == "Statement" and len(items) == 1:
            return items[0]
        return items
    return value


def json_equivalent(a: Any, b: Any) -> bool:
    if not isinstance(a, str) or not isinstance(b, str):
        return bool(a == b)
    try:
        return bool(_normal_json(json.loads(a)) == _normal_json(json.loads(b)))
    except ValueError:
        return a == b


def retag(aws: Context, service: str, target: str, old: dict[str, str], new: dict[str, str]) -> None:
    """Each service's TagResource and UntagResource (or its own names for them), for what changed."""
    removed = sorted(set(old) - set(new))
    changed_tags = {k: v for k, v in new.items() if old.get(k) != v}
    client = aws.client(service.split("-")[0])
    pairs = [{"Key": k, "Value": v} for k, v in sorted(changed_tags.items())]
    # IAM names its tag calls by what they tag: a role (by name), a policy, an OIDC provider (by ARN).
    iam_calls = {
        "iam": ("role", "RoleName"),
        "iam-policy": ("policy", "PolicyArn"),
        "iam-oidc": ("open_id_connect_provider", "OpenIDConnectProviderArn"),
    }
    if service in iam_calls:
        kind, key = iam_calls[service]
        if removed:
            getattr(client, f"untag_{kind}")(**{key: target, "TagKeys": removed})
        if changed_tags:
            getattr(client, f"tag_{kind}")(**{key: target, "Tags": pairs})
        return
    untag: dict[str, Any]
    tag: dict[str, Any]
    if service == "kms":
        untag, tag = (
            {"KeyId": target, "TagKeys": removed},
            {"KeyId": target, "Tags": [{"TagKey": k, "TagValue": v} for k, v in changed_tags.items()]},
        )
    elif service == "lambda":
        untag, tag = {"Resource": target, "TagKeys": removed}, {"Resource": target, "Tags": changed_tags}
    elif service in ("dynamodb", "sns", "events", "cloudwatch"):
        arn_key = {"dynamodb": "ResourceArn", "sns": "ResourceArn", "events": "ResourceARN", "cloudwatch": "ResourceARN"}[service]
        untag, tag = {arn_key: target, "TagKeys": removed}, {arn_key: target, "Tags": pairs}
    elif service == "logs":
        untag, tag = {"resourceArn": target, "tagKeys": removed}, {"resourceArn": target, "tags": changed_tags}
    elif service == "stepfunctions":
        untag = {"resourceArn": target, "tagKeys": removed}
        tag = {"resourceArn": target, "tags": [{"key": k, "value": v} for k, v in changed_tags.items()]}
    elif service == "apigatewayv2":
        untag, tag = {"ResourceArn": target, "TagKeys": removed}, {"ResourceArn": target, "Tags": changed_tags}
    else:
        raise NotImplementedError(f"tags of {service} resources are not implemented by the stand-in")
    if removed:
        client.untag_resource(**untag)
    if changed_tags:
        client.tag_resource(**tag)


class Resource:
    type_name: ClassVar[str]
    force_new: ClassVar[tuple[str, ...]] = ()
    json_attributes: ClassVar[tuple[str, ...]] = ()
    defaults: ClassVar[dict[str, Any]] = {}
    tagging: ClassVar[str | None] = None  # the service whose TagResource tags it; None: not taggable here

    def tag_target(self, aws: Context, state: dict[str, Any]) -> str:
        """What the service's TagResource names: its ARN, for most."""
        return str(state["arn"])

    def update_tags(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> None:
        old, new = dict(prior.get("tags_all") or {}), dict(planned.get("tags_all") or {})
        if self.tagging and old != new:
            retag(aws, self.tagging, self.tag_target(aws, prior), old, new)

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        raise NotImplementedError

    def refresh(self, aws: Context, state: dict[str, Any]) -> dict[str, Any] | None:
        """The state as AWS holds it now (None: gone). By default, existence only; a type that reads
        its settings back overrides it, and so a change made outside Terraform shows in the next plan."""
        return state if self.exists(aws, state) else None

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        raise NotImplementedError

    def probe(self, call: Any, *args: Any, **kwargs: Any) -> bool:
        """Whether a describe/get call finds the resource."""
        try:
            call(*args, **kwargs)
        except Exception as error:
            if not_found(error):
                return False
            raise
        return True

    def gone(self, call: Any, *args: Any, **kwargs: Any) -> None:
        """A delete call; a resource already gone is deleted."""
        try:
            call(*args, **kwargs)
        except Exception as error:
            if not not_found(error):
                raise


# ----------------------------------------------------------------------------------------------- KMS


class KmsKey(Resource):
    type_name = "aws_kms_key"
    tagging = "kms"
    force_new = ("customer_master_key_spec", "key_usage", "multi_region", "custom_key_store_id", "xks_key_id")
    json_attributes = ("policy",)
    defaults: ClassVar[dict[str, Any]] = {
        "is_enabled": True,
        "key_usage": "ENCRYPT_DECRYPT",
        "customer_master_key_spec": "SYMMETRIC_DEFAULT",
        "bypass_policy_lockout_safety_check": False,
        "enable_key_rotation": False,
    }

    def tag_target(self, aws: Context, state: dict[str, Any]) -> str:
        return str(state["id"])

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        kms = aws.client("kms")
        arguments = drop_none(
            {
                "Description": planned.get("description") if isinstance(planned.get("description"), str) else None,
                "KeyUsage": planned["key_usage"],
                "KeySpec": planned["customer_master_key_spec"],
                "Policy": planned.get("policy") if isinstance(planned.get("policy"), str) else None,
                "BypassPolicyLockoutSafetyCheck": planned["bypass_policy_lockout_safety_check"],
                "MultiRegion": planned.get("multi_region") if isinstance(planned.get("multi_region"), bool) else None,
                "Tags": tag_list(planned, "TagKey", "TagValue"),
            }
        )
        key = kms.create_key(**arguments)["KeyMetadata"]
        self._rotation(kms, key["KeyId"], planned)
        if not planned["is_enabled"]:
            kms.disable_key(KeyId=key["KeyId"])
        return {
            "arn": key["Arn"],
            "key_id": key["KeyId"],
            "id": key["KeyId"],
            "description": key.get("Description", ""),
            "multi_region": bool(key.get("MultiRegion", False)),
            "policy": kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"],
            "rotation_period_in_days": planned.get("rotation_period_in_days") if planned["enable_key_rotation"] else None,
        }

    @staticmethod
    def _rotation(kms: Any, key_id: str, planned: dict[str, Any]) -> None:
        if planned["enable_key_rotation"]:
            period = planned.get("rotation_period_in_days")
            kms.enable_key_rotation(KeyId=key_id, **({"RotationPeriodInDays": int(period)} if isinstance(period, int) else {}))
        else:
            kms.disable_key_rotation(KeyId=key_id)

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        try:
            key = aws.client("kms").describe_key(KeyId=state["id"])["KeyMetadata"]
        except Exception as error:
            if not_found(error):
                return False
            raise
        return bool(key["KeyState"] not in ("PendingDeletion", "PendingReplicaDeletion"))

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        kms, key_id = aws.client("kms"), prior["id"]
        if changed(prior, planned, "description"):
            kms.update_key_description(KeyId=key_id, Description=planned.get("description") or "")
        if changed(prior, planned, "policy") and isinstance(planned.get("policy"), str):
            kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=planned["policy"])
        if changed(prior, planned, "enable_key_rotation", "rotation_period_in_days"):
            self._rotation(kms, key_id, planned)
        if changed(prior, planned, "is_enabled"):
            (kms.enable_key if planned["is_enabled"] else kms.disable_key)(KeyId=key_id)
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        window = state.get("deletion_window_in_days") or 30
        self.gone(aws.client("kms").schedule_key_deletion, KeyId=state["id"], PendingWindowInDays=int(window))


class KmsAlias(Resource):
    type_name = "aws_kms_alias"
    force_new = ("name", "name_prefix")

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        kms = aws.client("kms")
        kms.create_alias(AliasName=planned["name"], TargetKeyId=planned["target_key_id"])
        return {"id": planned["name"], "arn": aws.arn("kms", planned["name"]), "target_key_arn": self._key_arn(kms, planned)}

    @staticmethod
    def _key_arn(kms: Any, planned: dict[str, Any]) -> str:
        return str(kms.describe_key(KeyId=planned["target_key_id"])["KeyMetadata"]["Arn"])

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        aliases = aws.client("kms").list_aliases()["Aliases"]
        return any(alias["AliasName"] == state["id"] for alias in aliases)

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        kms = aws.client("kms")
        kms.update_alias(AliasName=prior["id"], TargetKeyId=planned["target_key_id"])
        return {"target_key_arn": self._key_arn(kms, planned)}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        self.gone(aws.client("kms").delete_alias, AliasName=state["id"])


# ----------------------------------------------------------------------------------------------- SNS


class SnsTopic(Resource):
    type_name = "aws_sns_topic"
    tagging = "sns"
    force_new = ("name", "name_prefix", "fifo_topic")
    json_attributes = ("policy", "delivery_policy", "archive_policy", "data_protection_policy")
    defaults: ClassVar[dict[str, Any]] = {"fifo_topic": False, "content_based_deduplication": False}
    ATTRIBUTES: ClassVar[dict[str, str]] = {
        "kms_master_key_id": "KmsMasterKeyId",
        "display_name": "DisplayName",
        "delivery_policy": "DeliveryPolicy",
        "signature_version": "SignatureVersion",
        "tracing_config": "TracingConfig",
    }

    def _attributes(self, planned: dict[str, Any]) -> dict[str, str]:
        attributes = {key: str(planned[name]) for name, key in self.ATTRIBUTES.items() if isinstance(planned.get(name), (str, int))}
        if planned.get("fifo_topic"):
            attributes["FifoTopic"] = "true"
        if isinstance(planned.get("policy"), str):
            attributes["Policy"] = planned["policy"]
        return attributes

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        sns = aws.client("sns")
        arn = sns.create_topic(Name=planned["name"], Attributes=self._attributes(planned), Tags=tag_list(planned))["TopicArn"]
        attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        return {"id": arn, "arn": arn, "owner": aws.account_id, "policy": attributes.get("Policy")}

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("sns").get_topic_attributes, TopicArn=state["id"])

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        sns = aws.client("sns")
        old, new = self._attributes(prior), self._attributes(planned)
        for key, value in new.items():
            if old.get(key) != value and key != "FifoTopic":
                sns.set_topic_attributes(TopicArn=prior["id"], AttributeName=key, AttributeValue=value)
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        self.gone(aws.client("sns").delete_topic, TopicArn=state["id"])


class SnsTopicSubscription(Resource):
    type_name = "aws_sns_topic_subscription"
    force_new = ("topic_arn", "protocol", "endpoint")
    defaults: ClassVar[dict[str, Any]] = {
        "raw_message_delivery": False,
        "confirmation_timeout_in_minutes": 1,
        "endpoint_auto_confirms": False,
    }

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        arn = aws.client("sns").subscribe(
            TopicArn=planned["topic_arn"], Protocol=planned["protocol"], Endpoint=planned["endpoint"], ReturnSubscriptionArn=True
        )["SubscriptionArn"]
        return {"id": arn, "arn": arn, "owner_id": aws.account_id, "pending_confirmation": planned["protocol"] in ("email", "email-json")}

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("sns").get_subscription_attributes, SubscriptionArn=state["id"])

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        self.gone(aws.client("sns").unsubscribe, SubscriptionArn=state["id"])


# ----------------------------------------------------------------------------------------------- DynamoDB


class DynamoDbTable(Resource):
    type_name = "aws_dynamodb_table"
    tagging = "dynamodb"
    force_new = ("name", "hash_key", "range_key")
    defaults: ClassVar[dict[str, Any]] = {"billing_mode": "PROVISIONED", "deletion_protection_enabled": False}

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        dynamodb = aws.client("dynamodb")
        keys = [{"AttributeName": planned["hash_key"], "KeyType": "HASH"}]
        if planned.get("range_key"):
            keys.append({"AttributeName": planned["range_key"], "KeyType": "RANGE"})
        arguments: dict[str, Any] = {
            "TableName": planned["name"],
            "AttributeDefinitions": [{"AttributeName": a["name"], "AttributeType": a["type"]} for a in planned.get("attribute") or []],
            "KeySchema": keys,
            "BillingMode": planned["billing_mode"],
            "DeletionProtectionEnabled": bool(planned["deletion_protection_enabled"]),
        }
        if planned["billing_mode"] == "PROVISIONED":
            arguments["ProvisionedThroughput"] = {
                "ReadCapacityUnits": int(planned.get("read_capacity") or 1),
                "WriteCapacityUnits": int(planned.get("write_capacity") or 1),
            }
        sse = one(planned, "server_side_encryption")
        if sse and sse.get("enabled"):
            arguments["SSESpecification"] = drop_none({"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": sse.get("kms_key_arn")})
        if planned.get("stream_enabled"):
            arguments["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": planned["stream_view_type"]}
        if isinstance(planned.get("table_class"), str):
            arguments["TableClass"] = planned["table_class"]
        if planned.get("tags_all"):
            arguments["Tags"] = tag_list(planned)
        if planned.get("global_secondary_index") or planned.get("local_secondary_index") or planned.get("replica"):
            raise NotImplementedError("secondary indexes and replicas are not implemented by the stand-in")
        table = dynamodb.create_table(**arguments)["TableDescription"]
        self._pitr_and_ttl(dynamodb, None, planned)
        return {
            "id": planned["name"],
            "arn": table["TableArn"],
            "stream_arn": table.get("LatestStreamArn"),
            "stream_label": table.get("LatestStreamLabel"),
            "read_capacity": int(planned.get("read_capacity") or (1 if planned["billing_mode"] == "PROVISIONED" else 0)),
            "write_capacity": int(planned.get("write_capacity") or (1 if planned["billing_mode"] == "PROVISIONED" else 0)),
            "stream_view_type": planned.get("stream_view_type") if planned.get("stream_enabled") else "",
        }

    @staticmethod
    def _pitr_and_ttl(dynamodb: Any, prior: dict[str, Any] | None, planned: dict[str, Any]) -> None:
        pitr = one(planned, "point_in_time_recovery") or {"enabled": False}
        if (one(prior, "point_in_time_recovery") if prior else None) != pitr and (prior is not None or pitr.get("enabled")):
            dynamodb.update_continuous_backups(
                TableName=planned["name"], PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": bool(pitr.get("enabled"))}
            )
        ttl = one(planned, "ttl")
        if ttl and (prior is None or one(prior, "ttl") != ttl) and ttl.get("enabled"):
            dynamodb.update_time_to_live(
                TableName=planned["name"], TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["attribute_name"]}
            )

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("dynamodb").describe_table, TableName=state["id"])

    def refresh(self, aws: Context, state: dict[str, Any]) -> dict[str, Any] | None:
        try:
            table = aws.client("dynamodb").describe_table(TableName=state["id"])["Table"]
        except Exception as error:
            if not_found(error):
                return None
            raise
        billing = table.get("BillingModeSummary", {}).get("BillingMode") or state.get("billing_mode")
        return {**state, "billing_mode": billing, "deletion_protection_enabled": bool(table.get("DeletionProtectionEnabled", False))}

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        dynamodb = aws.client("dynamodb")
        arguments: dict[str, Any] = {}
        if changed(prior, planned, "deletion_protection_enabled"):
            arguments["DeletionProtectionEnabled"] = bool(planned["deletion_protection_enabled"])
        if changed(prior, planned, "billing_mode"):
            arguments["BillingMode"] = planned["billing_mode"]
        if changed(prior, planned, "server_side_encryption"):
            sse = one(planned, "server_side_encryption") or {}
            arguments["SSESpecification"] = drop_none(
                {
                    "Enabled": bool(sse.get("enabled")),
                    "SSEType": "KMS" if sse.get("enabled") else None,
                    "KMSMasterKeyId": sse.get("kms_key_arn"),
                }
            )
        if arguments:
            dynamodb.update_table(TableName=prior["id"], **arguments)
        self._pitr_and_ttl(dynamodb, prior, planned)
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        self.gone(aws.client("dynamodb").delete_table, TableName=state["id"])


# ----------------------------------------------------------------------------------------------- CloudWatch Logs


class LogGroup(Resource):
    type_name = "aws_cloudwatch_log_group"
    tagging = "logs"
    force_new = ("name", "name_prefix", "log_group_class")
    defaults: ClassVar[dict[str, Any]] = {"retention_in_days": 0, "skip_destroy": False}

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        logs = aws.client("logs")
        arguments = drop_none({"logGroupName": planned["name"], "kmsKeyId": planned.get("kms_key_id"), "tags": tag_map(planned)})
        logs.create_log_group(**arguments)
        if planned["retention_in_days"]:
            logs.put_retention_policy(logGroupName=planned["name"], retentionInDays=int(planned["retention_in_days"]))
        return {
            "id": planned["name"],
            "arn": aws.arn("logs", f"log-group:{planned['name']}"),
            "log_group_class": "STANDARD",
            "deletion_protection_enabled": False,
        }

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.refresh(aws, state) is not None

    def refresh(self, aws: Context, state: dict[str, Any]) -> dict[str, Any] | None:
        groups = aws.client("logs").describe_log_groups(logGroupNamePrefix=state["id"])["logGroups"]
        group = next((group for group in groups if group["logGroupName"] == state["id"]), None)
        if group is None:
            return None
        return {**state, "retention_in_days": int(group.get("retentionInDays") or 0)}

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        logs, name = aws.client("logs"), prior["id"]
        if changed(prior, planned, "retention_in_days"):
            if planned["retention_in_days"]:
                logs.put_retention_policy(logGroupName=name, retentionInDays=int(planned["retention_in_days"]))
            else:
                logs.delete_retention_policy(logGroupName=name)
        if changed(prior, planned, "kms_key_id"):
            if planned.get("kms_key_id"):
                logs.associate_kms_key(logGroupName=name, kmsKeyId=planned["kms_key_id"])
            else:
                logs.disassociate_kms_key(logGroupName=name)
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        if not state.get("skip_destroy"):
            self.gone(aws.client("logs").delete_log_group, logGroupName=state["id"])


# ----------------------------------------------------------------------------------------------- IAM


class IamRole(Resource):
    type_name = "aws_iam_role"
    tagging = "iam"
    force_new = ("name", "name_prefix", "path")
    json_attributes = ("assume_role_policy",)
    defaults: ClassVar[dict[str, Any]] = {"path": "/", "max_session_duration": 3600, "force_detach_policies": False}

    def tag_target(self, aws: Context, state: dict[str, Any]) -> str:
        return str(state["id"])

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        arguments = drop_none(
            {
                "RoleName": planned["name"],
                "Path": planned["path"],
                "AssumeRolePolicyDocument": planned["assume_role_policy"],
                "Description": planned.get("description"),
                "MaxSessionDuration": int(planned["max_session_duration"]),
                "PermissionsBoundary": planned.get("permissions_boundary"),
                "Tags": tag_list(planned),
            }
        )
        role = aws.client("iam").create_role(**arguments)["Role"]
        return {
            "id": role["RoleName"],
            "arn": role["Arn"],
            "unique_id": role["RoleId"],
            "create_date": iso(role["CreateDate"]),
            "name_prefix": "",
            "managed_policy_arns": [],
        }

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("iam").get_role, RoleName=state["id"])

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        iam = aws.client("iam")
        if changed(prior, planned, "assume_role_policy"):
            iam.update_assume_role_policy(RoleName=prior["id"], PolicyDocument=planned["assume_role_policy"])
        if changed(prior, planned, "description", "max_session_duration"):
            iam.update_role(
                RoleName=prior["id"], Description=planned.get("description") or "", MaxSessionDuration=int(planned["max_session_duration"])
            )
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        iam = aws.client("iam")
        if state.get("force_detach_policies"):
            for name in iam.list_role_policies(RoleName=state["id"])["PolicyNames"]:
                iam.delete_role_policy(RoleName=state["id"], PolicyName=name)
            for policy in iam.list_attached_role_policies(RoleName=state["id"])["AttachedPolicies"]:
                iam.detach_role_policy(RoleName=state["id"], PolicyArn=policy["PolicyArn"])
        self.gone(iam.delete_role, RoleName=state["id"])


class IamRolePolicy(Resource):
    type_name = "aws_iam_role_policy"
    force_new = ("name", "name_prefix", "role")
    json_attributes = ("policy",)

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        aws.client("iam").put_role_policy(RoleName=planned["role"], PolicyName=planned["name"], PolicyDocument=planned["policy"])
        return {"id": f"{planned['role']}:{planned['name']}", "name_prefix": ""}

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("iam").get_role_policy, RoleName=state["role"], PolicyName=state["name"])

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        aws.client("iam").put_role_policy(RoleName=planned["role"], PolicyName=planned["name"], PolicyDocument=planned["policy"])
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        self.gone(aws.client("iam").delete_role_policy, RoleName=state["role"], PolicyName=state["name"])


class IamPolicy(Resource):
    type_name = "aws_iam_policy"
    tagging = "iam-policy"
    force_new = ("name", "name_prefix", "path", "description")
    json_attributes = ("policy",)
    defaults: ClassVar[dict[str, Any]] = {"path": "/"}

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        arguments = drop_none(
            {
                "PolicyName": planned["name"],
                "Path": planned["path"],
                "PolicyDocument": planned["policy"],
                "Description": planned.get("description"),
                "Tags": tag_list(planned),
            }
        )
        policy = aws.client("iam").create_policy(**arguments)["Policy"]
        return {"id": policy["Arn"], "arn": policy["Arn"], "policy_id": policy["PolicyId"], "attachment_count": 0, "name_prefix": ""}

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("iam").get_policy, PolicyArn=state["arn"])

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        if changed(prior, planned, "policy"):
            iam = aws.client("iam")
            versions = iam.list_policy_versions(PolicyArn=prior["arn"])["Versions"]
            if len(versions) >= 5:  # IAM keeps five: the provider deletes the oldest non-default one
                oldest = min((v for v in versions if not v["IsDefaultVersion"]), key=lambda v: v["CreateDate"])
                iam.delete_policy_version(PolicyArn=prior["arn"], VersionId=oldest["VersionId"])
            iam.create_policy_version(PolicyArn=prior["arn"], PolicyDocument=planned["policy"], SetAsDefault=True)
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        iam = aws.client("iam")
        try:
            versions = iam.list_policy_versions(PolicyArn=state["arn"])["Versions"]
        except Exception as error:
            if not_found(error):
                return
            raise
        for version in versions:
            if not version["IsDefaultVersion"]:
                iam.delete_policy_version(PolicyArn=state["arn"], VersionId=version["VersionId"])
        self.gone(iam.delete_policy, PolicyArn=state["arn"])


class IamRolePolicyAttachment(Resource):
    type_name = "aws_iam_role_policy_attachment"
    force_new = ("role", "policy_arn")

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        aws.client("iam").attach_role_policy(RoleName=planned["role"], PolicyArn=planned["policy_arn"])
        return {"id": f"{planned['role']}/{planned['policy_arn']}"}

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        try:
            attached = aws.client("iam").list_attached_role_policies(RoleName=state["role"])["AttachedPolicies"]
        except Exception as error:
            if not_found(error):
                return False
            raise
        return any(policy["PolicyArn"] == state["policy_arn"] for policy in attached)

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        self.gone(aws.client("iam").detach_role_policy, RoleName=state["role"], PolicyArn=state["policy_arn"])


class IamOpenIdConnectProvider(Resource):
    type_name = "aws_iam_openid_connect_provider"
    tagging = "iam-oidc"
    force_new = ("url",)

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        thumbprints = planned.get("thumbprint_list") if isinstance(planned.get("thumbprint_list"), list) else []
        arguments = drop_none({"Url": planned["url"], "ClientIDList": sorted(planned["client_id_list"]), "Tags": tag_list(planned)})
        arn = aws.client("iam").create_open_id_connect_provider(ThumbprintList=thumbprints, **arguments)["OpenIDConnectProviderArn"]
        return {"id": arn, "arn": arn, "thumbprint_list": thumbprints}

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("iam").get_open_id_connect_provider, OpenIDConnectProviderArn=state["arn"])

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        iam = aws.client("iam")
        old, new = set(prior["client_id_list"]), set(planned["client_id_list"])
        for client in sorted(new - old):
            iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=prior["arn"], ClientID=client)
        for client in sorted(old - new):
            iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=prior["arn"], ClientID=client)
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        self.gone(aws.client("iam").delete_open_id_connect_provider, OpenIDConnectProviderArn=state["arn"])


# ----------------------------------------------------------------------------------------------- Lambda


class LambdaLayerVersion(Resource):
    type_name = "aws_lambda_layer_version"
    force_new = (
        "layer_name",
        "filename",
        "s3_bucket",
        "s3_key",
        "s3_object_version",
        "source_code_hash",
        "compatible_runtimes",
        "compatible_architectures",
        "description",
        "license_info",
    )
    defaults: ClassVar[dict[str, Any]] = {"skip_destroy": False}

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        content = (
            {"ZipFile": read_file(planned["filename"])}
            if planned.get("filename")
            else drop_none(
                {"S3Bucket": planned.get("s3_bucket"), "S3Key": planned.get("s3_key"), "S3ObjectVersion": planned.get("s3_object_version")}
            )
        )
        layer = aws.client("lambda").publish_layer_version(
            **drop_none(
                {
                    "LayerName": planned["layer_name"],
                    "Description": planned.get("description"),
                    "Content": content,
                    "CompatibleRuntimes": planned.get("compatible_runtimes"),
                    "CompatibleArchitectures": planned.get("compatible_architectures"),
                    "LicenseInfo": planned.get("license_info"),
                }
            )
        )
        return {
            "id": layer["LayerVersionArn"],
            "arn": layer["LayerVersionArn"],
            "layer_arn": layer["LayerArn"],
            "version": str(layer["Version"]),
            "created_date": iso(layer.get("CreatedDate", "")),
            "code_sha256": layer["Content"].get("CodeSha256"),
            "source_code_size": int(layer["Content"].get("CodeSize", 0)),
            "source_code_hash": layer["Content"].get("CodeSha256"),
        }

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("lambda").get_layer_version, LayerName=state["layer_arn"], VersionNumber=int(state["version"]))

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        if not state.get("skip_destroy"):
            self.gone(aws.client("lambda").delete_layer_version, LayerName=state["layer_arn"], VersionNumber=int(state["version"]))


class LambdaFunction(Resource):
    type_name = "aws_lambda_function"
    tagging = "lambda"
    force_new = ("function_name", "package_type")
    defaults: ClassVar[dict[str, Any]] = {
        "memory_size": 128,
        "timeout": 3,
        "publish": False,
        "package_type": "Zip",
        "skip_destroy": False,
        "reserved_concurrent_executions": -1,
    }
    CONFIGURATION = (
        "role",
        "handler",
        "runtime",
        "description",
        "timeout",
        "memory_size",
        "environment",
        "kms_key_arn",
        "tracing_config",
        "layers",
        "dead_letter_config",
        "ephemeral_storage",
        "logging_config",
    )

    def _configuration(self, planned: dict[str, Any]) -> dict[str, Any]:
        environment = one(planned, "environment")
        tracing = one(planned, "tracing_config")
        dead_letter = one(planned, "dead_letter_config")
        storage = one(planned, "ephemeral_storage")
        logging = one(planned, "logging_config")
        if one(planned, "vpc_config") or one(planned, "file_system_config") or one(planned, "image_config"):
            raise NotImplementedError("vpc_config, file_system_config and image_config are not implemented by the stand-in")
        return drop_none(
            {
                "FunctionName": planned["function_name"],
                "Role": planned["role"],
                "Handler": planned.get("handler"),
                "Runtime": planned.get("runtime"),
                "Description": planned.get("description"),
                "Timeout": int(planned["timeout"]),
                "MemorySize": int(planned["memory_size"]),
                "Environment": {"Variables": dict(environment.get("variables") or {})} if environment else None,
                "KMSKeyArn": planned.get("kms_key_arn"),
                "TracingConfig": {"Mode": tracing["mode"]} if tracing else None,
                "Layers": planned.get("layers"),
                "DeadLetterConfig": {"TargetArn": dead_letter["target_arn"]} if dead_letter else None,
                "EphemeralStorage": {"Size": int(storage["size"])} if storage and isinstance(storage.get("size"), int) else None,
                "LoggingConfig": drop_none(
                    {
                        "LogFormat": logging.get("log_format"),
                        "LogGroup": logging.get("log_group"),
                        "ApplicationLogLevel": logging.get("application_log_level"),
                        "SystemLogLevel": logging.get("system_log_level"),
                    }
                )
                if logging
                else None,
            }
        )

    @staticmethod
    def _code(planned: dict[str, Any]) -> dict[str, Any]:
        if planned.get("filename"):
            return {"ZipFile": read_file(planned["filename"])}
        return drop_none(
            {"S3Bucket": planned.get("s3_bucket"), "S3Key": planned.get("s3_key"), "S3ObjectVersion": planned.get("s3_object_version")}
        )

    def _computed(self, aws: Context, function: dict[str, Any]) -> dict[str, Any]:
        arn = function["FunctionArn"]
        invoke = f"arn:{aws.partition}:apigateway:{aws.region}:lambda:path/2015-03-31/functions/{arn}/invocations"
        return {
            "id": function["FunctionName"],
            "arn": arn,
            "invoke_arn": invoke,
            "qualified_arn": f"{arn}:{function.get('Version', '$LATEST')}",
            "qualified_invoke_arn": invoke.replace(arn, f"{arn}:{function.get('Version', '$LATEST')}"),
            "response_streaming_invoke_arn": invoke.replace("2015-03-31", "2021-11-15").replace(
                "/invocations", "/response-streaming-invocations"
            ),
            "version": function.get("Version", "$LATEST"),
            "last_modified": str(function.get("LastModified", "")),
            "source_code_size": int(function.get("CodeSize", 0)),
            "code_sha256": function.get("CodeSha256"),
            "architectures": function.get("Architectures") or ["x86_64"],
        }

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        lambda_ = aws.client("lambda")
        arguments = self._configuration(planned)
        arguments.update(
            drop_none({"Code": self._code(planned), "Publish": bool(planned["publish"]), "PackageType": planned["package_type"]})
        )
        if isinstance(planned.get("architectures"), list):
            arguments["Architectures"] = planned["architectures"]
        if planned.get("tags_all"):
            arguments["Tags"] = tag_map(planned)
        function = lambda_.create_function(**arguments)
        if int(planned["reserved_concurrent_executions"]) >= 0:
            lambda_.put_function_concurrency(
                FunctionName=planned["function_name"], ReservedConcurrentExecutions=int(planned["reserved_concurrent_executions"])
            )
        computed = self._computed(aws, function)
        computed["source_code_hash"] = (
            planned.get("source_code_hash") if isinstance(planned.get("source_code_hash"), str) else function.get("CodeSha256")
        )
        return computed

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("lambda").get_function, FunctionName=state["id"])

    def refresh(self, aws: Context, state: dict[str, Any]) -> dict[str, Any] | None:
        try:
            function = aws.client("lambda").get_function(FunctionName=state["id"])
        except Exception as error:
            if not_found(error):
                return None
            raise
        configuration = function["Configuration"]
        fresh = dict(state)
        for name, key in (("memory_size", "MemorySize"), ("timeout", "Timeout"), ("handler", "Handler"), ("runtime", "Runtime")):
            if configuration.get(key) is not None:
                fresh[name] = configuration[key]
        variables = configuration.get("Environment", {}).get("Variables")
        if variables is not None and one(state, "environment") is not None:
            fresh["environment"] = [{**state["environment"][0], "variables": variables}]
        fresh["reserved_concurrent_executions"] = function.get("Concurrency", {}).get("ReservedConcurrentExecutions", -1)
        return fresh

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        lambda_ = aws.client("lambda")
        if changed(prior, planned, *self.CONFIGURATION):
            lambda_.update_function_configuration(**self._configuration(planned))
        if changed(prior, planned, "filename", "source_code_hash", "s3_bucket", "s3_key", "s3_object_version", "architectures"):
            lambda_.update_function_code(FunctionName=prior["id"], **self._code(planned))
        if changed(prior, planned, "reserved_concurrent_executions"):
            if int(planned["reserved_concurrent_executions"]) >= 0:
                lambda_.put_function_concurrency(
                    FunctionName=prior["id"], ReservedConcurrentExecutions=int(planned["reserved_concurrent_executions"])
                )
            else:
                lambda_.delete_function_concurrency(FunctionName=prior["id"])
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        if not state.get("skip_destroy"):
            self.gone(aws.client("lambda").delete_function, FunctionName=state["id"])


class LambdaPermission(Resource):
    type_name = "aws_lambda_permission"
    force_new = (
        "action",
        "function_name",
        "principal",
        "source_arn",
        "source_account",
        "statement_id",
        "statement_id_prefix",
        "qualifier",
        "event_source_token",
        "principal_org_id",
        "function_url_auth_type",
    )

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        aws.client("lambda").add_permission(
            **drop_none(
                {
                    "FunctionName": planned["function_name"],
                    "StatementId": planned["statement_id"],
                    "Action": planned["action"],
                    "Principal": planned["principal"],
                    "SourceArn": planned.get("source_arn"),
                    "SourceAccount": planned.get("source_account"),
                    "Qualifier": planned.get("qualifier"),
                    "EventSourceToken": planned.get("event_source_token"),
                    "PrincipalOrgID": planned.get("principal_org_id"),
                }
            )
        )
        return {"id": planned["statement_id"], "statement_id_prefix": ""}

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        try:
            policy = json.loads(aws.client("lambda").get_policy(FunctionName=state["function_name"])["Policy"])
        except Exception as error:
            if not_found(error):
                return False
            raise
        return any(statement.get("Sid") == state["id"] for statement in policy.get("Statement", []))

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        self.gone(aws.client("lambda").remove_permission, FunctionName=state["function_name"], StatementId=state["id"])


# ----------------------------------------------------------------------------------------------- Step Functions


class SfnStateMachine(Resource):
    type_name = "aws_sfn_state_machine"
    tagging = "stepfunctions"
    force_new = ("name", "name_prefix", "type")
    json_attributes = ("definition",)
    defaults: ClassVar[dict[str, Any]] = {"type": "STANDARD", "publish": False}

    @staticmethod
    def _settings(planned: dict[str, Any]) -> dict[str, Any]:
        logging = one(planned, "logging_configuration")
        tracing = one(planned, "tracing_configuration")
        encryption = one(planned, "encryption_configuration")
        return drop_none(
            {
                "definition": planned["definition"],
                "roleArn": planned["role_arn"],
                "loggingConfiguration": drop_none(
                    {
                        "level": logging.get("level"),
                        "includeExecutionData": logging.get("include_execution_data"),
                        "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": logging["log_destination"]}}]
                        if logging.get("log_destination")
                        else None,
                    }
                )
                if logging
                else None,
                "tracingConfiguration": {"enabled": bool(tracing.get("enabled"))} if tracing else None,
                "encryptionConfiguration": drop_none(
                    {
                        "type": encryption.get("type"),
                        "kmsKeyId": encryption.get("kms_key_id"),
                        "kmsDataKeyReusePeriodSeconds": encryption.get("kms_data_key_reuse_period_seconds"),
                    }
                )
                if encryption
                else None,
            }
        )

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        sfn = aws.client("stepfunctions")
        created = sfn.create_state_machine(
            name=planned["name"], type=planned["type"], tags=tag_list(planned, "key", "value"), **self._settings(planned)
        )
        described = sfn.describe_state_machine(stateMachineArn=created["stateMachineArn"])
        return {
            "id": created["stateMachineArn"],
            "arn": created["stateMachineArn"],
            "creation_date": iso(created["creationDate"]),
            "status": described.get("status", "ACTIVE"),
            "revision_id": described.get("revisionId", ""),
            "description": described.get("description", ""),
            "state_machine_version_arn": created.get("stateMachineVersionArn", ""),
            "version_description": "",
            "name_prefix": "",
        }

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("stepfunctions").describe_state_machine, stateMachineArn=state["id"])

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        aws.client("stepfunctions").update_state_machine(stateMachineArn=prior["id"], **self._settings(planned))
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        self.gone(aws.client("stepfunctions").delete_state_machine, stateMachineArn=state["id"])


# ----------------------------------------------------------------------------------------------- CloudWatch, EventBridge


class MetricAlarm(Resource):
    type_name = "aws_cloudwatch_metric_alarm"
    tagging = "cloudwatch"
    force_new = ("alarm_name",)
    defaults: ClassVar[dict[str, Any]] = {"actions_enabled": True, "treat_missing_data": "missing"}

    def _put(self, aws: Context, planned: dict[str, Any]) -> None:
        if planned.get("metric_query"):
            raise NotImplementedError("metric_query is not implemented by the stand-in")
        aws.client("cloudwatch").put_metric_alarm(
            **drop_none(
                {
                    "AlarmName": planned["alarm_name"],
                    "AlarmDescription": planned.get("alarm_description"),
                    "Namespace": planned.get("namespace"),
                    "MetricName": planned.get("metric_name"),
                    "Dimensions": [{"Name": k, "Value": v} for k, v in sorted((planned.get("dimensions") or {}).items())],
                    "Statistic": planned.get("statistic"),
                    "ExtendedStatistic": planned.get("extended_statistic"),
                    "Period": int(planned["period"]) if planned.get("period") is not None else None,
                    "EvaluationPeriods": int(planned["evaluation_periods"]),
                    "DatapointsToAlarm": int(planned["datapoints_to_alarm"]) if planned.get("datapoints_to_alarm") is not None else None,
                    "Threshold": float(planned["threshold"]) if planned.get("threshold") is not None else None,
                    "ComparisonOperator": planned["comparison_operator"],
                    "TreatMissingData": planned["treat_missing_data"],
                    "ActionsEnabled": bool(planned["actions_enabled"]),
                    "AlarmActions": planned.get("alarm_actions"),
                    "OKActions": planned.get("ok_actions"),
                    "InsufficientDataActions": planned.get("insufficient_data_actions"),
                    "Unit": planned.get("unit"),
                    "Tags": tag_list(planned),
                }
            )
        )

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        self._put(aws, planned)
        alarm = aws.client("cloudwatch").describe_alarms(AlarmNames=[planned["alarm_name"]])["MetricAlarms"][0]
        return {"id": planned["alarm_name"], "arn": alarm["AlarmArn"]}

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return bool(aws.client("cloudwatch").describe_alarms(AlarmNames=[state["id"]])["MetricAlarms"])

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        self._put(aws, planned)
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        aws.client("cloudwatch").delete_alarms(AlarmNames=[state["id"]])


class Dashboard(Resource):
    type_name = "aws_cloudwatch_dashboard"
    force_new = ("dashboard_name",)
    json_attributes = ("dashboard_body",)

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        cloudwatch = aws.client("cloudwatch")
        cloudwatch.put_dashboard(DashboardName=planned["dashboard_name"], DashboardBody=planned["dashboard_body"])
        arn = cloudwatch.get_dashboard(DashboardName=planned["dashboard_name"])["DashboardArn"]
        return {"id": planned["dashboard_name"], "dashboard_arn": arn}

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("cloudwatch").get_dashboard, DashboardName=state["id"])

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        aws.client("cloudwatch").put_dashboard(DashboardName=planned["dashboard_name"], DashboardBody=planned["dashboard_body"])
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        self.gone(aws.client("cloudwatch").delete_dashboards, DashboardNames=[state["id"]])


class EventRule(Resource):
    type_name = "aws_cloudwatch_event_rule"
    tagging = "events"
    force_new = ("name", "name_prefix", "event_bus_name")
    json_attributes = ("event_pattern",)
    defaults: ClassVar[dict[str, Any]] = {"event_bus_name": "default", "state": "ENABLED", "force_destroy": False}

    def _put(self, aws: Context, planned: dict[str, Any]) -> str:
        return str(
            aws.client("events").put_rule(
                **drop_none(
                    {
                        "Name": planned["name"],
                        "Description": planned.get("description"),
                        "EventPattern": planned.get("event_pattern"),
                        "ScheduleExpression": planned.get("schedule_expression"),
                        "State": planned["state"],
                        "EventBusName": planned["event_bus_name"],
                        "RoleArn": planned.get("role_arn"),
                        "Tags": tag_list(planned),
                    }
                )
            )["RuleArn"]
        )

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        arn = self._put(aws, planned)
        rule_id = planned["name"] if planned["event_bus_name"] == "default" else f"{planned['event_bus_name']}/{planned['name']}"
        return {"id": rule_id, "arn": arn, "name_prefix": "", "is_enabled": planned["state"] == "ENABLED"}

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("events").describe_rule, Name=state["name"], EventBusName=state["event_bus_name"])

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        self._put(aws, planned)
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        self.gone(aws.client("events").delete_rule, Name=state["name"], EventBusName=state["event_bus_name"])


class EventTarget(Resource):
    """PutTargets / ListTargetsByRule / RemoveTargets; the provider's id is <rule>-<target_id> on the default bus."""

    type_name = "aws_cloudwatch_event_target"
    force_new = ("rule", "target_id", "event_bus_name")
    defaults: ClassVar[dict[str, Any]] = {"event_bus_name": "default", "force_destroy": False}

    def _put(self, aws: Context, planned: dict[str, Any], target_id: str) -> None:
        target = drop_none({"Id": target_id, "Arn": planned["arn"], "RoleArn": planned.get("role_arn"), "Input": planned.get("input")})
        response = aws.client("events").put_targets(Rule=planned["rule"], EventBusName=planned["event_bus_name"], Targets=[target])
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"PutTargets failed: {response['FailedEntries']}")

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        target_id = planned.get("target_id") or f"terraform-{uuid.uuid4().hex[:20]}"
        self._put(aws, planned, target_id)
        bus = "" if planned["event_bus_name"] == "default" else f"{planned['event_bus_name']}-"
        return {"id": f"{bus}{planned['rule']}-{target_id}", "target_id": target_id}

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        try:
            targets = aws.client("events").list_targets_by_rule(Rule=state["rule"], EventBusName=state["event_bus_name"])["Targets"]
        except Exception as error:
            if not_found(error):
                return False
            raise
        return any(target["Id"] == state["target_id"] for target in targets)

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        self._put(aws, planned, prior["target_id"])
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        self.gone(aws.client("events").remove_targets, Rule=state["rule"], EventBusName=state["event_bus_name"], Ids=[state["target_id"]])


# ----------------------------------------------------------------------------------------------- API Gateway (HTTP APIs)


class HttpApi(Resource):
    type_name = "aws_apigatewayv2_api"
    tagging = "apigatewayv2"
    force_new = ("protocol_type",)
    json_attributes = ("body",)
    defaults: ClassVar[dict[str, Any]] = {
        "api_key_selection_expression": "$request.header.x-api-key",
        "route_selection_expression": "$request.method $request.path",
        "disable_execute_api_endpoint": False,
        "fail_on_warnings": False,
    }

    @staticmethod
    def _cors(planned: dict[str, Any]) -> dict[str, Any] | None:
        cors = one(planned, "cors_configuration")
        if cors is None:
            return None
        return drop_none(
            {
                "AllowOrigins": cors.get("allow_origins"),
                "AllowMethods": cors.get("allow_methods"),
                "AllowHeaders": cors.get("allow_headers"),
                "ExposeHeaders": cors.get("expose_headers"),
                "AllowCredentials": cors.get("allow_credentials"),
                "MaxAge": int(cors["max_age"]) if cors.get("max_age") is not None else None,
            }
        )

    def _settings(self, planned: dict[str, Any]) -> dict[str, Any]:
        return drop_none(
            {
                "Name": planned["name"],
                "Description": planned.get("description"),
                "CorsConfiguration": self._cors(planned),
                "RouteSelectionExpression": planned["route_selection_expression"],
                "ApiKeySelectionExpression": planned["api_key_selection_expression"],
                "DisableExecuteApiEndpoint": bool(planned["disable_execute_api_endpoint"]),
            }
        )

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        api = aws.client("apigatewayv2").create_api(ProtocolType=planned["protocol_type"], Tags=tag_map(planned), **self._settings(planned))
        api_id = api["ApiId"]
        return {
            "id": api_id,
            "api_endpoint": os.environ.get(EXECUTE_API_URL_ENV) or f"https://{api_id}.execute-api.{aws.region}.amazonaws.com",
            "arn": f"arn:{aws.partition}:apigateway:{aws.region}::/apis/{api_id}",
            "execution_arn": aws.arn("execute-api", api_id),
            "ip_address_type": api.get("IpAddressType", "ipv4"),
        }

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("apigatewayv2").get_api, ApiId=state["id"])

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        apis = aws.client("apigatewayv2")
        if one(prior, "cors_configuration") and not one(planned, "cors_configuration"):
            apis.delete_cors_configuration(ApiId=prior["id"])
        apis.update_api(ApiId=prior["id"], **self._settings(planned))
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        self.gone(aws.client("apigatewayv2").delete_api, ApiId=state["id"])


class HttpApiAuthorizer(Resource):
    type_name = "aws_apigatewayv2_authorizer"
    force_new = ("api_id",)

    @staticmethod
    def _settings(planned: dict[str, Any]) -> dict[str, Any]:
        jwt = one(planned, "jwt_configuration")
        return drop_none(
            {
                "AuthorizerType": planned["authorizer_type"],
                "Name": planned["name"],
                "IdentitySource": planned.get("identity_sources"),
                "JwtConfiguration": drop_none({"Issuer": jwt.get("issuer"), "Audience": jwt.get("audience")}) if jwt else None,
                "AuthorizerUri": planned.get("authorizer_uri"),
                "AuthorizerCredentialsArn": planned.get("authorizer_credentials_arn"),
                "AuthorizerPayloadFormatVersion": planned.get("authorizer_payload_format_version"),
                "EnableSimpleResponses": planned.get("enable_simple_responses"),
            }
        )

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        authorizer = aws.client("apigatewayv2").create_authorizer(ApiId=planned["api_id"], **self._settings(planned))
        return {"id": authorizer["AuthorizerId"], "authorizer_result_ttl_in_seconds": 0 if planned["authorizer_type"] == "JWT" else 300}

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("apigatewayv2").get_authorizer, ApiId=state["api_id"], AuthorizerId=state["id"])

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        aws.client("apigatewayv2").update_authorizer(ApiId=prior["api_id"], AuthorizerId=prior["id"], **self._settings(planned))
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        self.gone(aws.client("apigatewayv2").delete_authorizer, ApiId=state["api_id"], AuthorizerId=state["id"])


class HttpApiIntegration(Resource):
    type_name = "aws_apigatewayv2_integration"
    force_new = ("api_id", "integration_type")
    defaults: ClassVar[dict[str, Any]] = {"connection_type": "INTERNET", "payload_format_version": "1.0"}

    @staticmethod
    def _settings(planned: dict[str, Any]) -> dict[str, Any]:
        return drop_none(
            {
                "Description": planned.get("description"),
                "IntegrationMethod": planned.get("integration_method"),
                "IntegrationUri": planned.get("integration_uri"),
                "IntegrationSubtype": planned.get("integration_subtype"),
                "ConnectionType": planned["connection_type"],
                "ConnectionId": planned.get("connection_id"),
                "CredentialsArn": planned.get("credentials_arn"),
                "PayloadFormatVersion": planned["payload_format_version"],
                "TimeoutInMillis": int(planned["timeout_milliseconds"]) if isinstance(planned.get("timeout_milliseconds"), int) else None,
                "RequestParameters": planned.get("request_parameters"),
            }
        )

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        integration = aws.client("apigatewayv2").create_integration(
            ApiId=planned["api_id"], IntegrationType=planned["integration_type"], **self._settings(planned)
        )
        return {
            "id": integration["IntegrationId"],
            "integration_response_selection_expression": integration.get("IntegrationResponseSelectionExpression", ""),
            "timeout_milliseconds": int(integration.get("TimeoutInMillis") or 30000),
        }

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("apigatewayv2").get_integration, ApiId=state["api_id"], IntegrationId=state["id"])

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        aws.client("apigatewayv2").update_integration(ApiId=prior["api_id"], IntegrationId=prior["id"], **self._settings(planned))
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        self.gone(aws.client("apigatewayv2").delete_integration, ApiId=state["api_id"], IntegrationId=state["id"])


class HttpApiRoute(Resource):
    type_name = "aws_apigatewayv2_route"
    force_new = ("api_id",)
    defaults: ClassVar[dict[str, Any]] = {"authorization_type": "NONE", "api_key_required": False}

    @staticmethod
    def _settings(planned: dict[str, Any]) -> dict[str, Any]:
        return drop_none(
            {
                "RouteKey": planned["route_key"],
                "AuthorizationType": planned["authorization_type"],
                "AuthorizerId": planned.get("authorizer_id"),
                "AuthorizationScopes": planned.get("authorization_scopes"),
                "ApiKeyRequired": bool(planned["api_key_required"]),
                "OperationName": planned.get("operation_name"),
                "Target": planned.get("target"),
            }
        )

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        route = aws.client("apigatewayv2").create_route(ApiId=planned["api_id"], **self._settings(planned))
        return {"id": route["RouteId"]}

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("apigatewayv2").get_route, ApiId=state["api_id"], RouteId=state["id"])

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        aws.client("apigatewayv2").update_route(ApiId=prior["api_id"], RouteId=prior["id"], **self._settings(planned))
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        self.gone(aws.client("apigatewayv2").delete_route, ApiId=state["api_id"], RouteId=state["id"])


class HttpApiStage(Resource):
    type_name = "aws_apigatewayv2_stage"
    tagging = "apigatewayv2"
    force_new = ("api_id", "name")
    defaults: ClassVar[dict[str, Any]] = {"auto_deploy": False}

    @staticmethod
    def _settings(planned: dict[str, Any]) -> dict[str, Any]:
        logs = one(planned, "access_log_settings")
        route = one(planned, "default_route_settings")
        return drop_none(
            {
                "AutoDeploy": bool(planned["auto_deploy"]),
                "Description": planned.get("description"),
                "StageVariables": planned.get("stage_variables"),
                "AccessLogSettings": {"DestinationArn": logs["destination_arn"], "Format": logs["format"]} if logs else None,
                "DefaultRouteSettings": drop_none(
                    {
                        "ThrottlingBurstLimit": route.get("throttling_burst_limit"),
                        "ThrottlingRateLimit": route.get("throttling_rate_limit"),
                        "DetailedMetricsEnabled": route.get("detailed_metrics_enabled"),
                        "DataTraceEnabled": route.get("data_trace_enabled"),
                        "LoggingLevel": route.get("logging_level") if isinstance(route.get("logging_level"), str) else None,
                    }
                )
                if route
                else None,
            }
        )

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        api_id, name = planned["api_id"], planned["name"]
        aws.client("apigatewayv2").create_stage(ApiId=api_id, StageName=name, Tags=tag_map(planned), **self._settings(planned))
        suffix = "" if name == "$default" else name
        # An emulated API Gateway serves the stages at its own URL (the local workspace's gateway).
        base = os.environ.get(EXECUTE_API_URL_ENV) or f"https://{api_id}.execute-api.{aws.region}.amazonaws.com"
        return {
            "id": name,
            "arn": f"arn:{aws.partition}:apigateway:{aws.region}::/apis/{api_id}/stages/{name}",
            "execution_arn": aws.arn("execute-api", f"{api_id}/{name}"),
            "invoke_url": f"{base.rstrip('/')}/{suffix}",
            "deployment_id": "",
        }

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("apigatewayv2").get_stage, ApiId=state["api_id"], StageName=state["name"])

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        aws.client("apigatewayv2").update_stage(ApiId=prior["api_id"], StageName=prior["name"], **self._settings(planned))
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        self.gone(aws.client("apigatewayv2").delete_stage, ApiId=state["api_id"], StageName=state["name"])


# ----------------------------------------------------------------------------------------------- Cognito


class UserPool(Resource):
    """Tagged through UpdateUserPool (UserPoolTags), which ``update`` sends whatever changed."""

    type_name = "aws_cognito_user_pool"
    force_new = ("alias_attributes", "username_attributes", "schema")
    defaults: ClassVar[dict[str, Any]] = {"mfa_configuration": "OFF", "deletion_protection": "INACTIVE"}

    @staticmethod
    def _settings(planned: dict[str, Any]) -> dict[str, Any]:
        password = one(planned, "password_policy")
        admin = one(planned, "admin_create_user_config")
        recovery = one(planned, "account_recovery_setting")
        update = one(planned, "user_attribute_update_settings")
        return drop_none(
            {
                "Policies": {
                    "PasswordPolicy": drop_none(
                        {
                            "MinimumLength": password.get("minimum_length"),
                            "RequireLowercase": password.get("require_lowercase"),
                            "RequireUppercase": password.get("require_uppercase"),
                            "RequireNumbers": password.get("require_numbers"),
                            "RequireSymbols": password.get("require_symbols"),
                            "TemporaryPasswordValidityDays": password.get("temporary_password_validity_days"),
                        }
                    )
                }
                if password
                else None,
                "AutoVerifiedAttributes": planned.get("auto_verified_attributes"),
                "MfaConfiguration": planned["mfa_configuration"],
                "DeletionProtection": planned["deletion_protection"],
                "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": bool(admin.get("allow_admin_create_user_only"))} if admin else None,
                "AccountRecoverySetting": {
                    "RecoveryMechanisms": [
                        {"Name": mechanism["name"], "Priority": int(mechanism["priority"])}
                        for mechanism in recovery.get("recovery_mechanism") or []
                    ]
                }
                if recovery
                else None,
                "UserAttributeUpdateSettings": {
                    "AttributesRequireVerificationBeforeUpdate": update.get("attributes_require_verification_before_update") or []
                }
                if update
                else None,
                "UserPoolTier": planned.get("user_pool_tier") if isinstance(planned.get("user_pool_tier"), str) else None,
                "UserPoolTags": tag_map(planned),
            }
        )

    def _mfa(self, aws: Context, pool_id: str, planned: dict[str, Any]) -> None:
        software = one(planned, "software_token_mfa_configuration")
        if software is not None and planned["mfa_configuration"] != "OFF":
            aws.client("cognito-idp").set_user_pool_mfa_config(
                UserPoolId=pool_id,
                SoftwareTokenMfaConfiguration={"Enabled": bool(software.get("enabled"))},
                MfaConfiguration=planned["mfa_configuration"],
            )

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        cognito = aws.client("cognito-idp")
        username = one(planned, "username_configuration")
        pool = cognito.create_user_pool(
            PoolName=planned["name"],
            **drop_none(
                {
                    "AliasAttributes": planned.get("alias_attributes"),
                    "UsernameAttributes": planned.get("username_attributes"),
                    "UsernameConfiguration": {"CaseSensitive": bool(username.get("case_sensitive"))} if username else None,
                }
            ),
            **self._settings(planned),
        )["UserPool"]
        self._mfa(aws, pool["Id"], planned)
        return {
            "id": pool["Id"],
            "arn": pool.get("Arn") or aws.arn("cognito-idp", f"userpool/{pool['Id']}"),
            "endpoint": f"cognito-idp.{aws.region}.amazonaws.com/{pool['Id']}",
            "creation_date": iso(pool.get("CreationDate", "")),
            "last_modified_date": iso(pool.get("LastModifiedDate", "")),
            "estimated_number_of_users": 0,
            "domain": "",
            "custom_domain": "",
            "user_pool_tier": planned.get("user_pool_tier") if isinstance(planned.get("user_pool_tier"), str) else "ESSENTIALS",
        }

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("cognito-idp").describe_user_pool, UserPoolId=state["id"])

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        settings = self._settings(planned)
        settings.pop("UserPoolTier", None)
        aws.client("cognito-idp").update_user_pool(UserPoolId=prior["id"], **settings)
        self._mfa(aws, prior["id"], planned)
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        self.gone(aws.client("cognito-idp").delete_user_pool, UserPoolId=state["id"])


class UserPoolClient(Resource):
    type_name = "aws_cognito_user_pool_client"
    force_new = ("user_pool_id", "generate_secret")
    defaults: ClassVar[dict[str, Any]] = {"generate_secret": False}

    @staticmethod
    def _settings(planned: dict[str, Any]) -> dict[str, Any]:
        units = one(planned, "token_validity_units")

        def known(name: str) -> Any:
            value = planned.get(name)
            return value if isinstance(value, (str, int, bool, list)) else None

        return drop_none(
            {
                "ClientName": planned["name"],
                "ExplicitAuthFlows": known("explicit_auth_flows"),
                "SupportedIdentityProviders": known("supported_identity_providers"),
                "PreventUserExistenceErrors": known("prevent_user_existence_errors"),
                "EnableTokenRevocation": known("enable_token_revocation"),
                "AuthSessionValidity": known("auth_session_validity"),
                "AccessTokenValidity": known("access_token_validity"),
                "IdTokenValidity": known("id_token_validity"),
                "RefreshTokenValidity": known("refresh_token_validity"),
                "ReadAttributes": known("read_attributes"),
                "WriteAttributes": known("write_attributes"),
                "CallbackURLs": known("callback_urls"),
                "LogoutURLs": known("logout_urls"),
                "AllowedOAuthFlows": known("allowed_oauth_flows"),
                "AllowedOAuthScopes": known("allowed_oauth_scopes"),
                "TokenValidityUnits": drop_none(
                    {"AccessToken": units.get("access_token"), "IdToken": units.get("id_token"), "RefreshToken": units.get("refresh_token")}
                )
                if units
                else None,
            }
        )

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        client = aws.client("cognito-idp").create_user_pool_client(
            UserPoolId=planned["user_pool_id"], GenerateSecret=bool(planned["generate_secret"]), **self._settings(planned)
        )["UserPoolClient"]
        return {
            "id": client["ClientId"],
            "client_secret": client.get("ClientSecret", ""),
            "allowed_oauth_flows": [],
            "allowed_oauth_scopes": [],
            "callback_urls": [],
            "logout_urls": [],
            "allowed_oauth_flows_user_pool_client": False,
            "enable_propagate_additional_user_context_data": False,
            "default_redirect_uri": "",
        }

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("cognito-idp").describe_user_pool_client, UserPoolId=state["user_pool_id"], ClientId=state["id"])

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        aws.client("cognito-idp").update_user_pool_client(UserPoolId=prior["user_pool_id"], ClientId=prior["id"], **self._settings(planned))
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        self.gone(aws.client("cognito-idp").delete_user_pool_client, UserPoolId=state["user_pool_id"], ClientId=state["id"])


# ----------------------------------------------------------------------------------------------- S3
# A bucket and its settings, each setting a resource of its own (as hashicorp/aws 4+ has them), all
# addressed by the bucket's name (their id).


class S3Bucket(Resource):
    type_name = "aws_s3_bucket"
    force_new = ("bucket", "bucket_prefix", "object_lock_enabled")
    defaults: ClassVar[dict[str, Any]] = {"force_destroy": False}

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        s3, name = aws.client("s3"), planned["bucket"]
        if aws.region == "us-east-1":  # the one region whose CreateBucket takes no LocationConstraint
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": aws.region})
        if planned.get("tags_all"):
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(planned)})
        return {
            "id": name,
            "arn": f"arn:{aws.partition}:s3:::{name}",
            "bucket_domain_name": f"{name}.s3.amazonaws.com",
            "bucket_regional_domain_name": f"{name}.s3.{aws.region}.amazonaws.com",
            "bucket_region": aws.region,
            "region": aws.region,
            "bucket_prefix": "",
            "object_lock_enabled": False,
        }

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("s3").head_bucket, Bucket=state["id"])

    def update_tags(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> None:
        if (prior.get("tags_all") or {}) != (planned.get("tags_all") or {}):
            s3 = aws.client("s3")
            if planned.get("tags_all"):
                s3.put_bucket_tagging(Bucket=prior["id"], Tagging={"TagSet": tag_list(planned)})
            else:
                s3.delete_bucket_tagging(Bucket=prior["id"])

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        s3 = aws.client("s3")
        if state.get("force_destroy"):  # every version of every object first, as the provider empties it
            for page in s3.get_paginator("list_object_versions").paginate(Bucket=state["id"]):
                for version in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                    s3.delete_object(Bucket=state["id"], Key=version["Key"], VersionId=version["VersionId"])
        self.gone(s3.delete_bucket, Bucket=state["id"])


class S3BucketSetting(Resource):
    """One of a bucket's settings: Put on create and update, its Delete on delete (or `reset`)."""

    force_new: ClassVar[tuple[str, ...]] = ("bucket", "expected_bucket_owner")
    put: ClassVar[str]
    get: ClassVar[str]
    remove: ClassVar[str | None] = None

    def arguments(self, planned: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        getattr(aws.client("s3"), self.put)(Bucket=planned["bucket"], **self.arguments(planned))
        return {"id": planned["bucket"]}

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(getattr(aws.client("s3"), self.get), Bucket=state["bucket"])

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        getattr(aws.client("s3"), self.put)(Bucket=planned["bucket"], **self.arguments(planned))
        return {}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        if self.remove:
            self.gone(getattr(aws.client("s3"), self.remove), Bucket=state["bucket"])


class S3BucketVersioning(S3BucketSetting):
    type_name = "aws_s3_bucket_versioning"
    put, get = "put_bucket_versioning", "get_bucket_versioning"

    def arguments(self, planned: dict[str, Any]) -> dict[str, Any]:
        configuration = one(planned, "versioning_configuration") or {}
        return {"VersioningConfiguration": {"Status": configuration["status"]}}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:  # a versioned bucket cannot go back: suspended
        if (one(state, "versioning_configuration") or {}).get("status") != "Disabled":
            self.gone(aws.client("s3").put_bucket_versioning, Bucket=state["bucket"], VersioningConfiguration={"Status": "Suspended"})


class S3BucketEncryption(S3BucketSetting):
    type_name = "aws_s3_bucket_server_side_encryption_configuration"
    put, get, remove = "put_bucket_encryption", "get_bucket_encryption", "delete_bucket_encryption"

    def arguments(self, planned: dict[str, Any]) -> dict[str, Any]:
        rules = []
        for rule in planned.get("rule") or []:
            default = (rule.get("apply_server_side_encryption_by_default") or [{}])[0]
            rules.append(
                drop_none(
                    {
                        "ApplyServerSideEncryptionByDefault": drop_none(
                            {"SSEAlgorithm": default.get("sse_algorithm"), "KMSMasterKeyID": default.get("kms_master_key_id")}
                        ),
                        "BucketKeyEnabled": rule.get("bucket_key_enabled"),
                    }
                )
            )
        return {"ServerSideEncryptionConfiguration": {"Rules": rules}}


class S3BucketPublicAccessBlock(S3BucketSetting):
    type_name = "aws_s3_bucket_public_access_block"
    force_new = ("bucket",)
    put, get, remove = "put_public_access_block", "get_public_access_block", "delete_public_access_block"
    defaults: ClassVar[dict[str, Any]] = {
        "block_public_acls": False,
        "block_public_policy": False,
        "ignore_public_acls": False,
        "restrict_public_buckets": False,
    }

    def arguments(self, planned: dict[str, Any]) -> dict[str, Any]:
        names = {"block_public_acls": "BlockPublicAcls", "block_public_policy": "BlockPublicPolicy"}
        names |= {"ignore_public_acls": "IgnorePublicAcls", "restrict_public_buckets": "RestrictPublicBuckets"}
        return {"PublicAccessBlockConfiguration": {key: bool(planned[name]) for name, key in names.items()}}


class S3BucketOwnershipControls(S3BucketSetting):
    type_name = "aws_s3_bucket_ownership_controls"
    force_new = ("bucket",)
    put, get, remove = "put_bucket_ownership_controls", "get_bucket_ownership_controls", "delete_bucket_ownership_controls"

    def arguments(self, planned: dict[str, Any]) -> dict[str, Any]:
        rule = one(planned, "rule") or {}
        return {"OwnershipControls": {"Rules": [{"ObjectOwnership": rule["object_ownership"]}]}}


class S3BucketPolicy(S3BucketSetting):
    type_name = "aws_s3_bucket_policy"
    force_new = ("bucket",)
    json_attributes = ("policy",)
    put, get, remove = "put_bucket_policy", "get_bucket_policy", "delete_bucket_policy"

    def arguments(self, planned: dict[str, Any]) -> dict[str, Any]:
        return {"Policy": planned["policy"]}


class S3BucketLifecycle(S3BucketSetting):
    type_name = "aws_s3_bucket_lifecycle_configuration"
    put, get, remove = "put_bucket_lifecycle_configuration", "get_bucket_lifecycle_configuration", "delete_bucket_lifecycle"
    defaults: ClassVar[dict[str, Any]] = {"transition_default_minimum_object_size": "all_storage_classes_128K"}

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        # Computed and optional: unknown in the first plan, so the default is what the apply records (as the real provider reads it back).
        size = planned.get("transition_default_minimum_object_size") or self.defaults["transition_default_minimum_object_size"]
        return super().create(aws, planned) | {"transition_default_minimum_object_size": size}

    def arguments(self, planned: dict[str, Any]) -> dict[str, Any]:
        rules = []
        for rule in planned.get("rule") or []:
            if rule.get("transition") or rule.get("noncurrent_version_transition"):
                raise NotImplementedError("lifecycle transitions are not implemented by the stand-in")
            filter_ = (rule.get("filter") or [{}])[0] or {}
            noncurrent = (rule.get("noncurrent_version_expiration") or [None])[0]
            abort = (rule.get("abort_incomplete_multipart_upload") or [None])[0]
            expiration = (rule.get("expiration") or [None])[0]
            rules.append(
                drop_none(
                    {
                        "ID": rule.get("id"),
                        "Status": rule["status"],
                        # An empty filter is every object: "Prefix": "" says the same, and moto's parser wants it said.
                        "Filter": {"Prefix": filter_.get("prefix") or ""},
                        "NoncurrentVersionExpiration": {"NoncurrentDays": int(noncurrent["noncurrent_days"])} if noncurrent else None,
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": int(abort["days_after_initiation"])} if abort else None,
                        "Expiration": {"Days": int(expiration["days"])} if expiration and expiration.get("days") else None,
                    }
                )
            )
        return {"LifecycleConfiguration": {"Rules": rules}}


class S3Object(Resource):
    """An object written with PutObject (its body from ``content``, ``content_base64`` or ``source``); the
    object's metadata read back on refresh. Tagged in the same PutObject (and PutObjectTagging on update)."""

    type_name = "aws_s3_object"
    force_new = ("bucket", "key")
    defaults: ClassVar[dict[str, Any]] = {"force_destroy": False}
    HEADERS: ClassVar[dict[str, str]] = {
        "cache_control": "CacheControl",
        "content_disposition": "ContentDisposition",
        "content_encoding": "ContentEncoding",
        "content_language": "ContentLanguage",
        "content_type": "ContentType",
        "website_redirect": "WebsiteRedirectLocation",
    }

    @staticmethod
    def _body(planned: dict[str, Any]) -> bytes:
        if isinstance(planned.get("source"), str):
            return read_file(planned["source"])
        if isinstance(planned.get("content_base64"), str):
            return base64.b64decode(planned["content_base64"])
        return str(planned.get("content") or "").encode()

    def _put(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        s3 = aws.client("s3")
        arguments = drop_none({header: planned.get(name) for name, header in self.HEADERS.items()})
        arguments |= drop_none(
            {
                "Metadata": planned.get("metadata"),
                "StorageClass": planned.get("storage_class"),
                "ServerSideEncryption": planned.get("server_side_encryption"),
                "SSEKMSKeyId": planned.get("kms_key_id"),
                "Tagging": urlencode(sorted((planned.get("tags_all") or {}).items())) or None,
            }
        )
        s3.put_object(Bucket=planned["bucket"], Key=planned["key"], Body=self._body(planned), **arguments)
        head = s3.head_object(Bucket=planned["bucket"], Key=planned["key"])
        return {
            "id": planned["key"],
            "arn": f"arn:{aws.partition}:s3:::{planned['bucket']}/{planned['key']}",
            "etag": head["ETag"].strip('"'),
            "version_id": head.get("VersionId") or "",
            "content_type": head.get("ContentType"),
            "storage_class": head.get("StorageClass") or "STANDARD",
            "server_side_encryption": head.get("ServerSideEncryption") or "AES256",
            "bucket_key_enabled": bool(head.get("BucketKeyEnabled", False)),
            "kms_key_id": head.get("SSEKMSKeyId"),
            "acl": planned.get("acl"),
        }

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        return self._put(aws, planned)

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("s3").head_object, Bucket=state["bucket"], Key=state["key"])

    def refresh(self, aws: Context, state: dict[str, Any]) -> dict[str, Any] | None:
        try:
            head = aws.client("s3").head_object(Bucket=state["bucket"], Key=state["key"])
        except Exception as error:
            if not_found(error) or "403" in str(error):
                return None
            raise
        fresh = dict(state)
        for name, header in self.HEADERS.items():
            if name in ("content_type",) or state.get(name) is not None or head.get(header):
                fresh[name] = head.get(header)
        fresh["etag"] = head["ETag"].strip('"')
        fresh["version_id"] = head.get("VersionId") or ""
        return fresh

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        return self._put(aws, planned)

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        s3 = aws.client("s3")
        if state.get("force_destroy") or state.get("version_id"):  # every version, as the provider deletes a versioned object's
            for page in s3.get_paginator("list_object_versions").paginate(Bucket=state["bucket"], Prefix=state["key"]):
                for version in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                    if version["Key"] == state["key"]:
                        self.gone(s3.delete_object, Bucket=state["bucket"], Key=state["key"], VersionId=version["VersionId"])
            return
        self.gone(s3.delete_object, Bucket=state["bucket"], Key=state["key"])


# ----------------------------------------------------------------------------------------------- CloudFront
# Global: every call goes to CloudFront's one endpoint. Updates and deletes carry the resource's current
# ETag (If-Match), read first, as the real provider does.

# Where the local workspace serves its CloudFront distributions (host:port): their domain_name, as the
# stages' invoke_url is the local gateway's. On AWS it is <id>.cloudfront.net.
CLOUDFRONT_DOMAIN_ENV = "TFPROVIDER_CLOUDFRONT_DOMAIN"
CLOUDFRONT_HOSTED_ZONE_ID = "Z2FDTNDATAQYW2"  # every distribution's alias target zone (Route 53's AliasTarget reference)


def _items(values: Any) -> dict[str, Any]:
    items = sorted(values or [])
    return {"Quantity": len(items), **({"Items": items} if items else {})}


class CloudFrontOriginAccessControl(Resource):
    type_name = "aws_cloudfront_origin_access_control"

    @staticmethod
    def _config(planned: dict[str, Any]) -> dict[str, Any]:
        return {
            "Name": planned["name"],
            "Description": planned.get("description") or "",
            "SigningProtocol": planned["signing_protocol"],
            "SigningBehavior": planned["signing_behavior"],
            "OriginAccessControlOriginType": planned["origin_access_control_origin_type"],
        }

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        answer = aws.client("cloudfront").create_origin_access_control(OriginAccessControlConfig=self._config(planned))
        control_id = answer["OriginAccessControl"]["Id"]
        return {"id": control_id, "etag": answer["ETag"], "arn": aws.arn("cloudfront", f"origin-access-control/{control_id}", region=False)}

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("cloudfront").get_origin_access_control, Id=state["id"])

    def refresh(self, aws: Context, state: dict[str, Any]) -> dict[str, Any] | None:
        try:
            answer = aws.client("cloudfront").get_origin_access_control(Id=state["id"])
        except Exception as error:
            if not_found(error):
                return None
            raise
        config = answer["OriginAccessControl"]["OriginAccessControlConfig"]
        return state | {
            "name": config["Name"],
            "description": config.get("Description") or ("" if state.get("description") is not None else None),
            "signing_protocol": config["SigningProtocol"],
            "signing_behavior": config["SigningBehavior"],
            "origin_access_control_origin_type": config["OriginAccessControlOriginType"],
            "etag": answer["ETag"],
        }

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        cloudfront = aws.client("cloudfront")
        etag = cloudfront.get_origin_access_control(Id=prior["id"])["ETag"]
        answer = cloudfront.update_origin_access_control(Id=prior["id"], IfMatch=etag, OriginAccessControlConfig=self._config(planned))
        return {"etag": answer["ETag"]}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        cloudfront = aws.client("cloudfront")
        try:
            etag = cloudfront.get_origin_access_control(Id=state["id"])["ETag"]
        except Exception as error:
            if not_found(error):
                return
            raise
        self.gone(cloudfront.delete_origin_access_control, Id=state["id"], IfMatch=etag)


class CloudFrontResponseHeadersPolicy(Resource):
    type_name = "aws_cloudfront_response_headers_policy"

    @staticmethod
    def _config(planned: dict[str, Any]) -> dict[str, Any]:
        config: dict[str, Any] = {"Name": planned["name"], "Comment": planned.get("comment") or ""}
        security = one(planned, "security_headers_config")
        if security:
            headers: dict[str, Any] = {}
            if sts := one(security, "strict_transport_security"):
                headers["StrictTransportSecurity"] = drop_none(
                    {
                        "Override": sts["override"],
                        "AccessControlMaxAgeSec": int(sts["access_control_max_age_sec"]),
                        "IncludeSubdomains": sts.get("include_subdomains"),
                        "Preload": sts.get("preload"),
                    }
                )
            if options := one(security, "content_type_options"):
                headers["ContentTypeOptions"] = {"Override": options["override"]}
            if frame := one(security, "frame_options"):
                headers["FrameOptions"] = {"Override": frame["override"], "FrameOption": frame["frame_option"]}
            if referrer := one(security, "referrer_policy"):
                headers["ReferrerPolicy"] = {"Override": referrer["override"], "ReferrerPolicy": referrer["referrer_policy"]}
            if csp := one(security, "content_security_policy"):
                headers["ContentSecurityPolicy"] = {"Override": csp["override"], "ContentSecurityPolicy": csp["content_security_policy"]}
            if xss := one(security, "xss_protection"):
                headers["XSSProtection"] = drop_none(
                    {
                        "Override": xss["override"],
                        "Protection": xss["protection"],
                        "ModeBlock": xss.get("mode_block"),
                        "ReportUri": xss.get("report_uri"),
                    }
                )
            config["SecurityHeadersConfig"] = headers
        custom = one(planned, "custom_headers_config")
        if custom:
            items = [{"Header": i["header"], "Value": i["value"], "Override": i["override"]} for i in custom.get("items") or []]
            config["CustomHeadersConfig"] = {"Quantity": len(items), **({"Items": items} if items else {})}
        removed = one(planned, "remove_headers_config")
        if removed:
            items = [{"Header": i["header"]} for i in removed.get("items") or []]
            config["RemoveHeadersConfig"] = {"Quantity": len(items), **({"Items": items} if items else {})}
        if one(planned, "cors_config") or one(planned, "server_timing_headers_config"):
            raise NotImplementedError("CORS and Server-Timing in response headers policies are not implemented by the stand-in")
        return config

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        answer = aws.client("cloudfront").create_response_headers_policy(ResponseHeadersPolicyConfig=self._config(planned))
        policy_id = answer["ResponseHeadersPolicy"]["Id"]
        return {"id": policy_id, "etag": answer["ETag"], "arn": aws.arn("cloudfront", f"response-headers-policy/{policy_id}", region=False)}

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("cloudfront").get_response_headers_policy, Id=state["id"])

    def refresh(self, aws: Context, state: dict[str, Any]) -> dict[str, Any] | None:
        """The name, comment and Content-Security-Policy as CloudFront holds them (the page's security rests on the last)."""
        try:
            answer = aws.client("cloudfront").get_response_headers_policy(Id=state["id"])
        except Exception as error:
            if not_found(error):
                return None
            raise
        config = answer["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"]
        fresh = state | {"name": config["Name"], "etag": answer["ETag"]}
        if state.get("comment") is not None or config.get("Comment"):
            fresh["comment"] = config.get("Comment") or ""
        csp = config.get("SecurityHeadersConfig", {}).get("ContentSecurityPolicy")
        security = one(state, "security_headers_config")
        held = one(security, "content_security_policy") if security else None
        if security is not None and held is not None:
            read = [{"content_security_policy": csp["ContentSecurityPolicy"], "override": csp["Override"]}] if csp else []
            fresh["security_headers_config"] = [security | {"content_security_policy": read}]
        return fresh

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        cloudfront = aws.client("cloudfront")
        etag = cloudfront.get_response_headers_policy(Id=prior["id"])["ETag"]
        answer = cloudfront.update_response_headers_policy(Id=prior["id"], IfMatch=etag, ResponseHeadersPolicyConfig=self._config(planned))
        return {"etag": answer["ETag"]}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        cloudfront = aws.client("cloudfront")
        try:
            etag = cloudfront.get_response_headers_policy(Id=state["id"])["ETag"]
        except Exception as error:
            if not_found(error):
                return
            raise
        self.gone(cloudfront.delete_response_headers_policy, Id=state["id"], IfMatch=etag)


class CloudFrontDistribution(Resource):
    """A distribution of S3 origins (with origin access control) or custom ones, one default cache
    behaviour by cache policy, the default certificate or an ACM one. Deleted as the real provider
    deletes it: disabled first, then DeleteDistribution with the ETag (retain_on_delete: disabled only)."""

    type_name = "aws_cloudfront_distribution"
    defaults: ClassVar[dict[str, Any]] = {
        "http_version": "http2",
        "is_ipv6_enabled": False,
        "price_class": "PriceClass_All",
        "retain_on_delete": False,
        "wait_for_deployment": True,
        "staging": False,
        "default_root_object": "",
        "comment": "",
    }

    @staticmethod
    def _origin(origin: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "Id": origin["origin_id"],
            "DomainName": origin["domain_name"],
            "OriginPath": origin.get("origin_path") or "",
            "ConnectionAttempts": int(origin.get("connection_attempts") or 3),
            "ConnectionTimeout": int(origin.get("connection_timeout") or 10),
            "OriginAccessControlId": origin.get("origin_access_control_id") or "",
        }
        headers = [{"HeaderName": h["name"], "HeaderValue": h["value"]} for h in origin.get("custom_header") or []]
        answer["CustomHeaders"] = {"Quantity": len(headers), **({"Items": headers} if headers else {})}
        custom = one(origin, "custom_origin_config")
        s3 = one(origin, "s3_origin_config")
        if custom:
            answer["CustomOriginConfig"] = drop_none(
                {
                    "HTTPPort": int(custom["http_port"]),
                    "HTTPSPort": int(custom["https_port"]),
                    "OriginProtocolPolicy": custom["origin_protocol_policy"],
                    "OriginSslProtocols": _items(custom.get("origin_ssl_protocols")),
                    "OriginReadTimeout": int(custom["origin_read_timeout"]) if custom.get("origin_read_timeout") else None,
                    "OriginKeepaliveTimeout": int(custom["origin_keepalive_timeout"]) if custom.get("origin_keepalive_timeout") else None,
                }
            )
        else:  # as the provider: an S3 origin, its identity empty when origin access control signs instead
            answer["S3OriginConfig"] = {"OriginAccessIdentity": (s3 or {}).get("origin_access_identity") or ""}
        return answer

    def _config(self, planned: dict[str, Any], caller_reference: str) -> dict[str, Any]:
        behaviour = one(planned, "default_cache_behavior") or {}
        if one(behaviour, "forwarded_values") or behaviour.get("lambda_function_association") or behaviour.get("function_association"):
            raise NotImplementedError("forwarded_values and function associations are not implemented by the stand-in")
        if planned.get("ordered_cache_behavior") or planned.get("origin_group") or planned.get("custom_error_response"):
            raise NotImplementedError("ordered cache behaviours, origin groups, custom error responses: not implemented by the stand-in")
        certificate = one(planned, "viewer_certificate") or {}
        geo = one(one(planned, "restrictions") or {}, "geo_restriction") or {}
        logging = one(planned, "logging_config")
        return drop_none(
            {
                "CallerReference": caller_reference,
                "Aliases": _items(planned.get("aliases")),
                "DefaultRootObject": planned.get("default_root_object") or "",
                "Origins": {"Quantity": len(planned.get("origin") or []), "Items": [self._origin(o) for o in planned.get("origin") or []]},
                "DefaultCacheBehavior": drop_none(
                    {
                        "TargetOriginId": behaviour["target_origin_id"],
                        "ViewerProtocolPolicy": behaviour["viewer_protocol_policy"],
                        "AllowedMethods": {
                            **_items(behaviour.get("allowed_methods")),
                            "CachedMethods": _items(behaviour.get("cached_methods")),
                        },
                        "Compress": bool(behaviour.get("compress")),
                        "SmoothStreaming": bool(behaviour.get("smooth_streaming")),
                        "CachePolicyId": behaviour.get("cache_policy_id"),
                        "OriginRequestPolicyId": behaviour.get("origin_request_policy_id"),
                        "ResponseHeadersPolicyId": behaviour.get("response_headers_policy_id"),
                        "FieldLevelEncryptionId": behaviour.get("field_level_encryption_id") or "",
                        "TrustedSigners": {"Enabled": False, "Quantity": 0},
                        "TrustedKeyGroups": {"Enabled": False, "Quantity": 0},
                        "LambdaFunctionAssociations": {"Quantity": 0},
                        "FunctionAssociations": {"Quantity": 0},
                    }
                ),
                "CacheBehaviors": {"Quantity": 0},
                "CustomErrorResponses": {"Quantity": 0},
                "Comment": planned.get("comment") or "",
                "Logging": {
                    "Enabled": True,
                    "IncludeCookies": bool(logging.get("include_cookies")),
                    "Bucket": logging["bucket"],
                    "Prefix": logging.get("prefix") or "",
                }
                if logging
                else None,
                "PriceClass": planned.get("price_class") or "PriceClass_All",
                "Enabled": bool(planned["enabled"]),
                "ViewerCertificate": drop_none(
                    {
                        "CloudFrontDefaultCertificate": bool(certificate.get("cloudfront_default_certificate")),
                        "ACMCertificateArn": certificate.get("acm_certificate_arn"),
                        "SSLSupportMethod": certificate.get("ssl_support_method"),
                        "MinimumProtocolVersion": certificate.get("minimum_protocol_version") or "TLSv1",
                    }
                ),
                "Restrictions": {
                    "GeoRestriction": {"RestrictionType": geo.get("restriction_type") or "none", **_items(geo.get("locations"))}
                },
                "WebACLId": planned.get("web_acl_id") or "",
                "HttpVersion": planned.get("http_version") or "http2",
                "IsIPV6Enabled": bool(planned.get("is_ipv6_enabled")),
            }
        )

    @staticmethod
    def _computed(aws: Context, distribution: dict[str, Any], etag: str) -> dict[str, Any]:
        return {
            "id": distribution["Id"],
            "arn": distribution["ARN"],
            "caller_reference": distribution["DistributionConfig"]["CallerReference"],
            "domain_name": os.environ.get(CLOUDFRONT_DOMAIN_ENV) or distribution["DomainName"],
            "etag": etag,
            "hosted_zone_id": CLOUDFRONT_HOSTED_ZONE_ID,
            "status": "Deployed",
            "last_modified_time": iso(distribution.get("LastModifiedTime")),
            "in_progress_validation_batches": 0,
            "logging_v1_enabled": False,
            "continuous_deployment_policy_id": "",
            "trusted_key_groups": [{"enabled": False, "items": []}],
            "trusted_signers": [{"enabled": False, "items": []}],
        }

    def create(self, aws: Context, planned: dict[str, Any]) -> dict[str, Any]:
        cloudfront = aws.client("cloudfront")
        config = self._config(planned, str(uuid.uuid4()))
        tags = tag_list(planned)
        if tags:
            with_tags = {"DistributionConfig": config, "Tags": {"Items": tags}}
            answer = cloudfront.create_distribution_with_tags(DistributionConfigWithTags=with_tags)
        else:
            answer = cloudfront.create_distribution(DistributionConfig=config)
        return self._computed(aws, answer["Distribution"], answer["ETag"])

    def exists(self, aws: Context, state: dict[str, Any]) -> bool:
        return self.probe(aws.client("cloudfront").get_distribution, Id=state["id"])

    def refresh(self, aws: Context, state: dict[str, Any]) -> dict[str, Any] | None:
        """The top-level settings as CloudFront holds them (enabled, root object, comment, price class, HTTP versions, IPv6, WAF)."""
        try:
            answer = aws.client("cloudfront").get_distribution(Id=state["id"])
        except Exception as error:
            if not_found(error):
                return None
            raise
        config = answer["Distribution"]["DistributionConfig"]
        return state | {
            "enabled": config["Enabled"],
            "default_root_object": config.get("DefaultRootObject") or "",
            "comment": config.get("Comment") or "",
            "price_class": config.get("PriceClass"),
            "http_version": config.get("HttpVersion"),
            "is_ipv6_enabled": config.get("IsIPV6Enabled"),
            "web_acl_id": config.get("WebACLId") or state.get("web_acl_id"),
            "etag": answer["ETag"],
        }

    def update(self, aws: Context, prior: dict[str, Any], planned: dict[str, Any]) -> dict[str, Any]:
        cloudfront = aws.client("cloudfront")
        current = cloudfront.get_distribution_config(Id=prior["id"])
        config = self._config(planned, current["DistributionConfig"]["CallerReference"])
        answer = cloudfront.update_distribution(Id=prior["id"], IfMatch=current["ETag"], DistributionConfig=config)
        old, new = dict(prior.get("tags_all") or {}), dict(planned.get("tags_all") or {})
        if old != new:
            arn = prior["arn"]
            if removed := sorted(set(old) - set(new)):
                cloudfront.untag_resource(Resource=arn, TagKeys={"Items": removed})
            if new:
                cloudfront.tag_resource(Resource=arn, Tags={"Items": [{"Key": k, "Value": v} for k, v in sorted(new.items())]})
        return {"etag": answer["ETag"]}

    def delete(self, aws: Context, state: dict[str, Any]) -> None:
        cloudfront = aws.client("cloudfront")
        try:
            current = cloudfront.get_distribution_config(Id=state["id"])
        except Exception as error:
            if not_found(error):
                return
            raise
        config, etag = current["DistributionConfig"], current["ETag"]
        if config["Enabled"]:
            etag = cloudfront.update_distribution(Id=state["id"], IfMatch=etag, DistributionConfig={**config, "Enabled": False})["ETag"]
        if not state.get("retain_on_delete"):
            self.gone(cloudfront.delete_distribution, Id=state["id"], IfMatch=etag)


IMPLEMENTED: dict[str, Resource] = {
    kind.type_name: kind()
    for kind in (
        KmsKey,
        KmsAlias,
        SnsTopic,
        SnsTopicSubscription,
        DynamoDbTable,
        LogGroup,
        IamRole,
        IamRolePolicy,
        IamPolicy,
        IamRolePolicyAttachment,
        IamOpenIdConnectProvider,
        LambdaLayerVersion,
        LambdaFunction,
        LambdaPermission,
        SfnStateMachine,
        MetricAlarm,
        Dashboard,
        EventRule,
        EventTarget,
        HttpApi,
        HttpApiAuthorizer,
        HttpApiIntegration,
        HttpApiRoute,
        HttpApiStage,
        UserPool,
        UserPoolClient,
        S3Bucket,
        S3BucketVersioning,
        S3BucketEncryption,
        S3BucketPublicAccessBlock,
        S3BucketOwnershipControls,
        S3BucketPolicy,
        S3BucketLifecycle,
        S3Object,
        CloudFrontOriginAccessControl,
        CloudFrontResponseHeadersPolicy,
        CloudFrontDistribution,
    )
}
