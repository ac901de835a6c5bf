"""List prices (AWS us-east-1, on demand, USD) and the published throughput of the cloud's speech
model: what ``bench/cost.py`` multiplies measured resource use by. Each figure names its source.

Taken from the AWS pricing pages as listed in 2025 (``AS_OF``); this machine has no network, so
they were not re-read when this file was written: check the page before quoting a figure to anyone.
Spot prices are not list prices (EC2 sets them per zone and moves them every few minutes): the
Spot column is an indicative level, a second column, never the default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

AS_OF: Final = "2025 list price (us-east-1), not re-read here"


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str
    source: str

    def per(self, quantity: float) -> float:
        return self.usd * quantity


_LAMBDA = "AWS Lambda pricing, https://aws.amazon.com/lambda/pricing/"
_SFN = "AWS Step Functions pricing, https://aws.amazon.com/step-functions/pricing/"
_DDB = "Amazon DynamoDB on-demand pricing, https://aws.amazon.com/dynamodb/pricing/on-demand/"
_S3 = "Amazon S3 pricing (S3 Standard), https://aws.amazon.com/s3/pricing/"
_EVENTS = "Amazon EventBridge pricing, https://aws.amazon.com/eventbridge/pricing/"
_SQS = "Amazon SQS pricing (standard queues), https://aws.amazon.com/sqs/pricing/"
_FARGATE = "AWS Fargate pricing (Linux/x86), https://aws.amazon.com/fargate/pricing/"
_EC2 = "Amazon EC2 On-Demand pricing (Linux), https://aws.amazon.com/ec2/pricing/on-demand/"
_SPOT = "Amazon EC2 Spot pricing, https://aws.amazon.com/ec2/spot/pricing/ (indicative level: varies by zone and hour)"

# Lambda: the functions are arm64 (infra/lambdas.py); x86 is listed for comparison. First tier.
LAMBDA_ARM_GB_SECOND: Final = Price(0.0000133334, "GB-second, arm64", _LAMBDA)
LAMBDA_X86_GB_SECOND: Final = Price(0.0000166667, "GB-second, x86_64", _LAMBDA)
LAMBDA_REQUEST: Final = Price(0.20 / 1e6, "request", _LAMBDA)
# Standard workflows bill each state transition (the first 4,000 a month are free: ignored here).
SFN_TRANSITION: Final = Price(0.025 / 1000, "state transition (Standard)", _SFN)
# On-demand capacity, after the November 2024 reduction.
DDB_WRITE_UNIT: Final = Price(0.625 / 1e6, "write request unit", _DDB)
DDB_READ_UNIT: Final = Price(0.125 / 1e6, "read request unit", _DDB)
S3_PUT_CLASS: Final = Price(0.005 / 1000, "PUT, COPY, POST or LIST request", _S3)
S3_GET_CLASS: Final = Price(0.0004 / 1000, "GET, HEAD or other request", _S3)
S3_GB_MONTH: Final = Price(0.023, "GB-month (first 50 TB)", _S3)
EVENTBRIDGE_EVENT: Final = Price(1.00 / 1e6, "custom event put (64 KB chunk)", _EVENTS)
SQS_REQUEST: Final = Price(0.40 / 1e6, "request (64 KB chunk)", _SQS)
FARGATE_VCPU_SECOND: Final = Price(0.04048 / 3600, "vCPU-second (x86)", _FARGATE)
FARGATE_GB_SECOND: Final = Price(0.004445 / 3600, "GB-second (x86)", _FARGATE)
# Fargate bills from the start of the image pull, per second, with a one-minute minimum.
FARGATE_MINIMUM_SECONDS: Final = 60


@dataclass(frozen=True)
class GpuInstance:
    name: str
    gpu: str
    on_demand: Price
    spot: Price


GPU_INSTANCES: Final = {
    "g6.xlarge": GpuInstance(
        "g6.xlarge",
        "NVIDIA L4 24 GB",
        Price(0.8048 / 3600, "instance-second, on demand", _EC2),
        Price(0.36 / 3600, "instance-second, Spot (indicative)", _SPOT),
    ),
    "g5.xlarge": GpuInstance(
        "g5.xlarge",
        "NVIDIA A10G 24 GB",
        Price(1.006 / 3600, "instance-second, on demand", _EC2),
        Price(0.42 / 3600, "instance-second, Spot (indicative)", _SPOT),
    ),
}


@dataclass(frozen=True)
class Throughput:
    """A published speed of faster-whisper: seconds of compute per second of audio."""

    model: str
    setting: str
    hardware: str
    real_time_factor: float
    source: str


_README = "SYSTRAN/faster-whisper README, Benchmark, 'Large-v2 model on GPU' (13 min of audio)"
_ISSUE_1030 = "SYSTRAN/faster-whisper issue #1030, 'Large-v3 models on GPU' (13 min of audio)"
# What the worker runs (BatchedInferencePipeline, batch 8, beam 5, float16), on the closest card a
# benchmark was published for: large-v2 and large-v3 share the architecture (v3: 128 mel bins).
# No published faster-whisper figure for the L4 (g6) or the A10G (g5) was found; the L4 has about
# half the memory bandwidth of the RTX 3070 Ti, so expect it slower: `make bench-gpu` measures it.
CLOUD_MODEL: Final = Throughput("large-v2", "fp16, beam 5, batch 8", "RTX 3070 Ti 8 GB", 17 / (13 * 60), _README)
PUBLISHED_THROUGHPUT: Final = (
    CLOUD_MODEL,
    Throughput("large-v2", "fp16, beam 5, sequential", "RTX 3070 Ti 8 GB", 63 / (13 * 60), _README),
    Throughput("large-v3", "fp16, beam 5, sequential", "RTX 2080 Ti 11 GB", 52.0 / (13 * 60), _ISSUE_1030),
    Throughput("large-v3-turbo", "fp16, beam 5, sequential", "RTX 2080 Ti 11 GB", 19.2 / (13 * 60), _ISSUE_1030),
    Throughput("distil-large-v3", "fp16, beam 5, sequential", "RTX 2080 Ti 11 GB", 26.1 / (13 * 60), _ISSUE_1030),
)

# Public speech-to-text list prices per audio minute (issue 29), for the comparison line.
COMPETITORS_PER_MINUTE: Final = {
    "Deepgram nova-3": 0.0052,
    "OpenAI": 0.006,
    "AssemblyAI": 0.011,
    "Amazon Transcribe / Google": 0.024,
}
