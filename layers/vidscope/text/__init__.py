"""Text-analysis engines the capabilities call: brand matching and summarizers. They import the
capabilities' result models, never the pipeline's orchestration."""
