"""The workflow's stages: what each task of the state machine does , the messages between them,
ingestion, transcription and the Step Functions adapter."""
