"""The capabilities' result models, one module per capability (``Capability.result`` names them
"module:Name"): loaded where results are used, never by create_job (DESIGN §9)."""
