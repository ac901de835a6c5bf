"""The synthesized table matches the shared definition; the bucket is private and encrypted."""

from __future__ import annotations

from aws_cdk.assertions import Match, Template

from vidscope import table


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
