"""The built-in Instagram-compatible source: a photo source, not part of the pipeline."""
