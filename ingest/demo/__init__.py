"""The built-in Instagram-compatible source: a photo source, not part of the pipeline.

It plays Instagram's part for the demo, the tests and the benchmarks: the
legacy v1 API under /_instagram/v1/ (subscriptions with the hub challenge,
geography media), generated images under /_instagram/images/, and the
`simulate` command that posts new media and signed Realtime notifications.
Ingest talks to it over HTTP only, exactly as it would to Instagram.
"""
