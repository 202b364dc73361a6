"""`python -m bench [name] [options]`: run one benchmark, or all of them with their defaults."""

import argparse
import sys

from . import (
    browser,
    capacity,
    compression,
    endtoend,
    fanout,
    ingest,
    moderation,
    reconnect,
    workers,
)

BENCHMARKS = {
    "fanout": fanout,
    "ingest": ingest,
    "endtoend": endtoend,
    "capacity": capacity,
    "compression": compression,
    "workers": workers,
    "reconnect": reconnect,
    "browser": browser,
    "moderation": moderation,
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    names = parser.add_subparsers(dest="name")
    for name, module in BENCHMARKS.items():
        module.add_arguments(names.add_parser(name, help=module.__doc__.splitlines()[0]))
    args = parser.parse_args(argv)
    chosen = [args.name] if args.name else list(BENCHMARKS)
    summaries = []
    for name in chosen:
        module = BENCHMARKS[name]
        options = args if args.name else _defaults(module)
        summaries.append(module.run(options))
        print(summaries[-1], flush=True)
    return 0


def _defaults(module):
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return parser.parse_args([])


if __name__ == "__main__":
    sys.exit(main())
