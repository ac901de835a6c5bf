"""AWS adapters: clients, DynamoDB value conversion, the single table's keys, the media store in S3,
and the service quotas payloads are checked against. They import nothing above them."""
