"""The synthesized table matches the shared definition; the bucket is private and encrypted."""

from __future__ import annotations

from aws_cdk.assertions import Match, Template

from vidscope.adapters import media_store, table


def test_table_has_the_shared_keys_gsi_ttl_stream_and_pitr(prod_template: Template) -> None:
    prod_template.has_resource_properties(
        "AWS::DynamoDB::GlobalTable",
        {
            "KeySchema": [
                {"AttributeName": table.PARTITION_KEY, "KeyType": "HASH"},
                {"AttributeName": table.SORT_KEY, "KeyType": "RANGE"},
            ],
            "TimeToLiveSpecification": {"AttributeName": table.TTL_ATTRIBUTE, "Enabled": True},
            "StreamSpecification": {"StreamViewType": table.STREAM_VIEW_TYPE},
            "GlobalSecondaryIndexes": [
                Match.object_like(
                    {
                        "IndexName": table.STATUS_INDEX.name,
                        "KeySchema": [
                            {"AttributeName": table.STATUS_INDEX.partition_key, "KeyType": "HASH"},
                            {"AttributeName": table.STATUS_INDEX.sort_key, "KeyType": "RANGE"},
                        ],
                    }
                )
            ],
            "Replicas": [
                Match.object_like(
                    {
                        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                        "DeletionProtectionEnabled": True,
                    }
                )
            ],
        },
    )


def test_media_bucket_is_encrypted_private_and_tls_only(prod_template: Template) -> None:
    prod_template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": Match.object_like({"ServerSideEncryptionConfiguration": Match.any_value()}),
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
        },
    )
    prod_template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            }
        },
    )


def test_media_objects_expire_and_every_access_is_logged(prod_template: Template) -> None:
    buckets = prod_template.find_resources("AWS::S3::Bucket")
    [media] = [b["Properties"] for b in buckets.values() if "LoggingConfiguration" in b["Properties"]]
    rules = media["LifecycleConfiguration"]["Rules"]
    # Only downloaded media expire (results stay with their job): the rule filters on their prefix.
    assert {"Prefix": media_store.MEDIA_PREFIX, "ExpirationInDays": 7, "Status": "Enabled"} in rules
    assert not any(r.get("Prefix") == media_store.RESULTS_PREFIX for r in rules)
    assert media_store.media_key("t", "j", ".mp4").startswith(media_store.MEDIA_PREFIX)
    assert media_store.result_key("t", "j", "summary").startswith(media_store.RESULTS_PREFIX)
    log_bucket = media["LoggingConfiguration"]["DestinationBucketName"]["Ref"]
    assert buckets[log_bucket]["Properties"]["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == 365
