"""`python -m bench.serve --fd N [--workers K] [--compression on|off]`: the project as it runs live.

The benchmark servers run uvicorn with the options of `manage.py serve`
(`options_for`), so what they measure is what production runs; only the
listening socket (handed over as a file descriptor) and the app
(`bench.asgi`, the project plus the bench triggers) differ. permessage-deflate
defaults to production's choice (off); `--compression on` measures the other.
"""

import argparse
import os
import shutil
import tempfile

import django
import uvicorn

# Shorter than the benchmarks' wait for a stopping server (servers.stop).
GRACEFUL = 5.0


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--compression", choices=["on", "off"], default="off")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wazstagram.settings")
    django.setup()
    from wazstagram.management.commands.serve import options_for

    options = options_for("", 0, args.workers, GRACEFUL)
    del options["host"], options["port"]
    options.update(fd=args.fd, ws_per_message_deflate=args.compression == "on")
    if args.workers == 1:
        uvicorn.run("bench.asgi:application", **options)
        return
    # As `manage.py serve`: the workers' metrics add up in files of one directory.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="wz-bench-metrics-")
    try:
        uvicorn.run("bench.asgi:application", **options)
    finally:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
