"""Storage: the single DynamoDB table (from the shared definition) and the media bucket."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra import nag
from vidscope.adapters import media_store
from vidscope.adapters import table as table_definition
from vidscope.api.console import ARTIFACT_STORE_CORS

# cx_api's S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY (the Python package does not export it).
_LOGS_BY_BUCKET_POLICY = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"


def _string(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class Storage(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, production: bool, media_expiry_days: int) -> None:
        super().__init__(scope, construct_id)
        # S3 delivers access logs under a bucket policy for its logging service (scoped to the
        # media bucket and this account) rather than the legacy LogDeliveryWrite ACL, so ACLs
        # stay disabled on every bucket. CDK does so only under this feature flag.
        self.node.set_context(_LOGS_BY_BUCKET_POLICY, True)
        self.table = dynamodb.TableV2(
            self,
            "Table",
            partition_key=_string(table_definition.PARTITION_KEY),
            sort_key=_string(table_definition.SORT_KEY),
            billing=dynamodb.Billing.on_demand(),
            time_to_live_attribute=table_definition.TTL_ATTRIBUTE,
            # Job events are published from this stream (vidscope.events.publisher).
            dynamo_stream=dynamodb.StreamViewType(table_definition.STREAM_VIEW_TYPE),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=production,
            removal_policy=RemovalPolicy.RETAIN if production else RemovalPolicy.DESTROY,
            global_secondary_indexes=[
                dynamodb.GlobalSecondaryIndexPropsV2(
                    index_name=index.name,
                    partition_key=_string(index.partition_key),
                    sort_key=_string(index.sort_key),
                )
                for index in table_definition.INDEXES
            ],
        )
        removal = RemovalPolicy.RETAIN if production else RemovalPolicy.DESTROY
        # Who read or wrote which media object, kept for a year.
        access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365))],
            removal_policy=removal,
        )
        nag.acknowledge(access_logs, "S1", "This is the access-log bucket itself; logging its own access would loop.")
        self.bucket = s3.Bucket(
            self,
            "Media",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="media-bucket/",
            # Downloaded media are only needed while the job runs; results stay with the job.
            lifecycle_rules=[
                s3.LifecycleRule(prefix=media_store.MEDIA_PREFIX, expiration=Duration.days(media_expiry_days)),
                # Uploads expire unused after a day (their record's expires_at); the object goes a
                # day later, so one a job is about to read at the deadline is still there.
                s3.LifecycleRule(prefix=media_store.UPLOADS_PREFIX, expiration=Duration.days(2)),
                s3.LifecycleRule(abort_incomplete_multipart_upload_after=Duration.days(1)),
            ],
            removal_policy=removal,
            auto_delete_objects=False,
            # The console PUTs uploads from the browser (vidscope.api.console).
            cors=[
                s3.CorsRule(
                    allowed_origins=ARTIFACT_STORE_CORS["AllowedOrigins"],
                    allowed_methods=[s3.HttpMethods(m) for m in ARTIFACT_STORE_CORS["AllowedMethods"]],
                    allowed_headers=ARTIFACT_STORE_CORS["AllowedHeaders"],
                    exposed_headers=ARTIFACT_STORE_CORS["ExposeHeaders"],
                    max_age=ARTIFACT_STORE_CORS["MaxAgeSeconds"],
                )
            ],
        )
