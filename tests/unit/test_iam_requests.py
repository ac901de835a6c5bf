"""How a botocore call becomes the requests IAM authorizes (what the conformance tests evaluate)."""

from __future__ import annotations

from infra.local.iam_requests import ACCOUNT, IamRequest, requests_for

TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/jobs"


def test_a_transaction_is_authorized_item_by_item_with_each_items_partition() -> None:
    params = {
        "TransactItems": [
            {"Put": {"TableName": "jobs", "Item": {"PK": {"S": "TENANT#t1"}, "SK": {"S": "JOB#j"}}}},
            {"Update": {"TableName": "jobs", "Key": {"PK": {"S": "IDEMPOTENCY#k"}, "SK": {"S": "x"}}}},
            {"ConditionCheck": {"TableName": "jobs", "Key": {"PK": {"S": "TENANT#t1"}, "SK": {"S": "T"}}}},
            {"Delete": {"TableName": "jobs", "Key": {"PK": {"S": "RATELIMIT#a"}, "SK": {"S": "w"}}}},
        ]
    }
    assert requests_for("dynamodb", "TransactWriteItems", params, "us-east-1") == [
        IamRequest("dynamodb:PutItem", TABLE, {"dynamodb:LeadingKeys": ("TENANT#t1",)}),
        IamRequest("dynamodb:UpdateItem", TABLE, {"dynamodb:LeadingKeys": ("IDEMPOTENCY#k",)}),
        IamRequest("dynamodb:ConditionCheckItem", TABLE, {"dynamodb:LeadingKeys": ("TENANT#t1",)}),
        IamRequest("dynamodb:DeleteItem", TABLE, {"dynamodb:LeadingKeys": ("RATELIMIT#a",)}),
    ]


def test_a_query_on_the_index_names_the_index_and_its_partition_value() -> None:
    params = {
        "TableName": "jobs",
        "IndexName": "GSI1",
        "KeyConditionExpression": "#pk = :pk AND begins_with(GSI1SK, :s)",
        "ExpressionAttributeNames": {"#pk": "GSI1PK"},
        "ExpressionAttributeValues": {":pk": {"S": "TENANT#t1#STATUS#completed"}, ":s": {"S": "2026"}},
    }
    [request] = requests_for("dynamodb", "Query", params, "us-east-1")
    assert request.resource == f"{TABLE}/index/GSI1"
    assert request.context == {"dynamodb:LeadingKeys": ("TENANT#t1#STATUS#completed",)}


def test_a_batch_write_carries_every_partition_it_touches() -> None:
    params = {
        "RequestItems": {
            "jobs": [
                {"PutRequest": {"Item": {"PK": {"S": "TENANT#b"}}}},
                {"DeleteRequest": {"Key": {"PK": {"S": "TENANT#a"}}}},
            ]
        }
    }
    assert requests_for("dynamodb", "BatchWriteItem", params, "us-east-1") == [
        IamRequest("dynamodb:BatchWriteItem", TABLE, {"dynamodb:LeadingKeys": ("TENANT#a", "TENANT#b")})
    ]


def test_s3_operations_map_to_their_iam_actions() -> None:
    head = requests_for("s3", "HeadObject", {"Bucket": "b", "Key": "media/x"}, "us-east-1")
    part = requests_for("s3", "UploadPart", {"Bucket": "b", "Key": "media/x", "PartNumber": 2}, "us-east-1")
    listing = requests_for("s3", "ListObjectsV2", {"Bucket": "b", "Prefix": "tenants/t/"}, "us-east-1")
    deleted = requests_for("s3", "DeleteObjects", {"Bucket": "b", "Delete": {"Objects": [{"Key": "a"}]}}, "us-east-1")
    assert head == [IamRequest("s3:GetObject", "arn:aws:s3:::b/media/x")]
    assert part == [IamRequest("s3:PutObject", "arn:aws:s3:::b/media/x")]
    assert listing == [IamRequest("s3:ListBucket", "arn:aws:s3:::b", {"s3:prefix": ("tenants/t/",)})]
    assert deleted == [IamRequest("s3:DeleteObject", "arn:aws:s3:::b/a")]


def test_queues_buses_secrets_models_and_streams_become_arns() -> None:
    url = f"http://127.0.0.1:5000/{ACCOUNT}/vidscope-webhooks"
    assert requests_for("sqs", "DeleteMessageBatch", {"QueueUrl": url}, "us-east-1") == [
        IamRequest("sqs:DeleteMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:vidscope-webhooks")
    ]
    entries = {"Entries": [{"EventBusName": "vidscope"}, {"EventBusName": "vidscope"}]}
    assert requests_for("events", "PutEvents", entries, "us-east-1") == [
        IamRequest("events:PutEvents", f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/vidscope")
    ]
    [secret] = requests_for("secretsmanager", "GetSecretValue", {"SecretId": "vidscope/webhook-secrets/t"}, "us-east-1")
    assert secret.resource.startswith(f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:vidscope/webhook-secrets/t-")
    [model] = requests_for("bedrock-runtime", "Converse", {"modelId": "amazon.nova-lite-v1:0"}, "us-east-1")
    assert model == IamRequest(
        "bedrock:InvokeModel", "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"
    )
    stream = f"{TABLE}/stream/2026"
    assert requests_for("dynamodbstreams", "GetRecords", {"ShardIterator": "it"}, "us-east-1", stream_arn=stream) == [
        IamRequest("dynamodb:GetRecords", stream)
    ]


def test_an_unknown_call_is_still_evaluated_on_every_resource() -> None:
    assert requests_for("kinesis", "PutRecord", {"StreamName": "s"}, "us-east-1") == [
        IamRequest("kinesis:PutRecord", "*")
    ]
