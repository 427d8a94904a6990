"""`python -m services.<name> <command>`: migrate, rebuild-projections, worker, web,
dlq depth | dlq replay."""
from __future__ import annotations

import argparse
import sys

from services.chassis import migrate
from services.chassis.config import Config
from services.chassis.projections import rebuild
from services.chassis.runtime import ServiceSpec, bootstrap


def main(spec: ServiceSpec, argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m services.{spec.name}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="upgrade the service's database to the latest schema")
    sub.add_parser("rebuild-projections", help="rebuild every read model from the events")
    sub.add_parser("worker", help="run the outbox relay and the event consumer")
    dead = sub.add_parser("dlq", help="dead letters: how many wait (depth), re-drive them (replay)")
    dead.add_argument("action", choices=["depth", "replay"])
    web = sub.add_parser("web", help="run the development web server")
    web.add_argument("--port", type=int, default=8000)
    for name, command in spec.commands.items():
        # a command may declare its own arguments: `command.arguments(parser)`
        extra = sub.add_parser(name, help=(command.__doc__ or "").strip().splitlines()[0] if command.__doc__ else None)
        getattr(command, "arguments", lambda parser: None)(extra)
    args = parser.parse_args(argv)
    config = Config.from_env(spec.name)

    if args.command == "migrate":
        migrate.upgrade(spec, config.database_url)
        print(f"{spec.name}: database at head")
    elif args.command == "rebuild-projections":
        rt = bootstrap(spec, config)
        count = rebuild(rt.store)
        print(f"{spec.name}: rebuilt read models from {count} events")
    elif args.command == "worker":
        from services.chassis.worker import run_worker
        run_worker(bootstrap(spec, config))
    elif args.command == "dlq":
        return _dead_letters(bootstrap(spec, config), args.action)
    elif args.command == "web":
        from services.chassis.web import create_service_app
        create_service_app(spec, config).run(port=args.port)
    else:
        return spec.commands[args.command](bootstrap(spec, config), args) or 0
    return 0


def _dead_letters(rt, action: str) -> int:
    from services.chassis import dlq
    from services.chassis.consumer import ConsumerRunner
    topics = sorted(rt.spec.subscriptions())
    if action == "depth":
        for topic, count in dlq.depth(rt.config, topics).items():
            print(f"{rt.spec.name}: {count} dead letters of {topic} not replayed")
        return 0
    counts = dlq.replay(ConsumerRunner(rt.store, rt.config, rt.spec.subscriptions()))
    print(f"{rt.spec.name}: replayed {counts['replayed']}, failed again {counts['failed']} "
          f"(back in the dead-letter topic), left waiting {counts['waiting']}, "
          f"another service's {counts['skipped']}")
    return 1 if counts["failed"] or counts["waiting"] else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run a service's CLI: python -m services.<name> --help")
