"""Text-analysis engines the capabilities call: brand matching, summarizers and chapters. They import the
capabilities' result models, never the pipeline's orchestration."""
