"""`sft-assets`: run the pipeline headless, validate files, explain an example, print a report."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from contextlib import redirect_stdout
from pathlib import Path

from sft_assets.config import ConfigError, LoadedConfig, load_config
from sft_assets.core.store import HomeBusy, Store, home_lock
from sft_assets.run_outcome import RunOutcome

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


INSTANCE_YAML = "# Written by sft-assets: no usage data leaves this machine.\ntelemetry:\n  enabled: false\n"


def instance_folder(home: Path) -> Path:
    """The Dagster instance folder under the home (for `dagster dev` too), with telemetry off unless the
    user's own dagster.yaml says otherwise."""
    folder = home / "dagster"
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_YAML, encoding="utf-8")
    return folder


def _instance(home: Path):
    """The Dagster instance: $DAGSTER_HOME when set (shared with `dagster dev`), else one under the home folder."""
    import dagster as dg

    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.from_config(str(instance_folder(home)))


def cmd_prepare(args: argparse.Namespace) -> int:
    """Everything `dagster dev` needs before it starts: dbt's manifest and the instance folder."""
    from sft_assets.dbt_project import ensure_manifest

    manifest = ensure_manifest()
    folder = instance_folder(Store(args.home).home)
    print(f"dbt manifest: {manifest}\nDagster home: {folder}\n"
          f"start the UI with: DAGSTER_HOME={folder} uv run --frozen dagster dev")
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    loaded = load_config(args.config)  # a bad config fails here, before any work

    store = Store(args.home)
    print(f"config: {loaded.path}\nhome:   {store.home}", file=sys.stderr)
    with home_lock(store.home, args.wait):  # before the Dagster instance in the home is opened or created
        return _run(args, loaded, store)


def _run(args: argparse.Namespace, loaded: LoadedConfig, store: Store) -> int:
    from sft_assets.dbt_project import ensure_manifest
    from sft_assets.summary import read_summary, render_summary

    ensure_manifest()
    from sft_assets.definitions import defs

    job = defs().resolve_job_def("curate_all")
    run_config = {
        "loggers": {"progress": {}},
        "resources": {
            "curation": {"config": {"path": str(loaded.path)}},
            "store": {"config": {"home": str(store.home)}},
        },
        "ops": {"ingest": {"config": {"workers": args.workers}}},
    }
    log_path = store.home / "logs" / "last_run.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # dbt's own console output goes to the log file; progress lines go to stderr
    with _instance(store.home) as instance, log_path.open("w", encoding="utf-8") as log, redirect_stdout(log):
        result = job.execute_in_process(run_config=run_config, instance=instance, raise_on_error=False)
    outcome = RunOutcome.of(result, job.asset_layer.asset_graph.asset_check_keys)
    print(render_summary(read_summary(store), refreshed=outcome.materialized))
    print(outcome.render_checks())
    print(f"Log:      {log_path}")
    for line in outcome.render_failures():
        print(line)
    ok = result.success and not outcome.failed_checks
    print(f"run {result.run_id}: {'succeeded' if ok else 'FAILED'}")
    return EXIT_OK if ok else EXIT_FAILED


def cmd_validate(args: argparse.Namespace) -> int:
    from sft_assets.quality.validate_report import render, validate_file

    reports = []
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            print(f"{name}: no such file", file=sys.stderr)
            return EXIT_USAGE
    if args.target:
        return _validate_target(args)
    for name in args.files:
        path = Path(name)
        reports.append(
            validate_file(path, fmt=args.format, max_tokens=args.max_tokens, epochs=args.epochs,
                          encoding_name=args.encoding)
        )
    if args.json:
        print(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(render(r) for r in reports))
    return EXIT_FAILED if any(r.error_count for r in reports) else EXIT_OK


def _validate_target(args: argparse.Namespace) -> int:
    """Each file read the way its trainer reads it: problems per kind and the first failing lines."""
    from sft_assets.quality.targets import file_problems

    results = []
    for name in args.files:
        records, problems, lines = file_problems(args.target, Path(name).read_bytes())
        results.append({"file": name, "target": args.target, "records": records, "problems": problems,
                        "first_failing_lines": lines})
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        for r in results:
            verdict = "ok" if not r["problems"] else ", ".join(f"{k}: {v}" for k, v in sorted(r["problems"].items()))
            lines = f" (first failing lines: {r['first_failing_lines']})" if r["problems"] else ""
            print(f"{r['file']}: {r['records']} records for {r['target']}: {verdict}{lines}")
    return EXIT_FAILED if any(r["problems"] for r in results) else EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from sft_assets.explain import explain_example

    store = _existing(args.home)
    text = explain_example(store, args.example_id)
    print(text)
    return EXIT_OK if not text.startswith("No example") else EXIT_FAILED


def cmd_report(args: argparse.Namespace) -> int:
    from sft_assets.summary import read_summary, render_summary

    print(render_summary(read_summary(_existing(args.home))))
    return EXIT_OK


def cmd_estimate(args: argparse.Namespace) -> int:
    """What the LLM steps would spend on the curated examples now: calls not yet in the ledger."""
    from sft_assets.config import load_config
    from sft_assets.llm.annotate import estimate_cost
    from sft_assets.llm.ledger import Ledger

    config = load_config(args.config).config.llm
    store = _existing(args.home)
    if not config.configured:
        print("No llm.model configured: the LLM steps use heuristics, make no calls and cost $0.")
        return EXIT_OK
    rows = store.query("SELECT example_id, messages FROM curated ORDER BY example_id", read_only=True).to_pylist()
    totals = estimate_cost(rows, config, Ledger(store))
    for task, (requests, tokens, dollars) in totals.items():
        print(f"{task:<8} {requests:>8} calls  at most {tokens:>10,} tokens  at most ${dollars:,.4f}")
    print(f"total    {sum(t[0] for t in totals.values()):>8} calls  at most ${sum(t[2] for t in totals.values()):,.4f} "
          f"({config.model}; answers already in the ledger are free)")
    return EXIT_OK


def _existing(home: str | None) -> Store:
    """The store of a home that a run has filled; a missing one is reported, never created."""
    store = Store(home, create=False)
    if not store.db_path.exists():
        raise FileNotFoundError(f"no pipeline database at {store.db_path}: run `sft-assets run` first")
    return store


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def non_negative_float(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from importlib.metadata import version

    from sft_assets.ingest.formats import FORMATS

    parser = argparse.ArgumentParser(prog="sft-assets", description=__doc__)
    parser.add_argument("--version", action="version", version=f"sft-assets {version('sft-assets')}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="materialize every asset headless and print a summary")
    run.add_argument("--config", help="curation.yaml (default: $SFT_ASSETS_CONFIG, else the bundled sample)")
    run.add_argument("--home", help="state folder (default: $SFT_ASSETS_HOME, else ./sft_home)")
    run.add_argument("--workers", type=positive_int, default=2, help="processes for converting large files")
    run.add_argument("--wait", type=non_negative_float, default=0.0, metavar="SECONDS",
                     help="when another run holds the home folder, wait this long for it (default: refuse at once)")
    run.set_defaults(func=cmd_run)
    validate = sub.add_parser("validate", help="format report for dataset files (no pipeline)")
    validate.add_argument("files", nargs="+")
    validate.add_argument("--format", default="auto", choices=["auto", *FORMATS],
                          help="force a format instead of detecting it")
    validate.add_argument("--max-tokens", type=positive_int, default=16385)
    validate.add_argument("--epochs", type=positive_int, help="epochs for billing (default: the service's own choice)")
    validate.add_argument("--encoding", default="cl100k_base", choices=["cl100k_base", "o200k_base"])
    validate.add_argument("--json", action="store_true", help="machine-readable output")
    validate.add_argument("--target", choices=["openai", "sharegpt", "alpaca", "xtuner"],
                          help="check exported files the way this trainer reads them (sharegpt/alpaca: LLaMA-Factory)")
    validate.set_defaults(func=cmd_validate)
    explain = sub.add_parser("explain", help="the full history of one example")
    explain.add_argument("example_id")
    explain.add_argument("--home")
    explain.set_defaults(func=cmd_explain)
    prepare = sub.add_parser("prepare", help="build dbt's manifest and the Dagster instance folder for `dagster dev`")
    prepare.add_argument("--home")
    prepare.set_defaults(func=cmd_prepare)
    estimate = sub.add_parser("estimate", help="calls, tokens and dollars the LLM steps would spend (nothing is sent)")
    estimate.add_argument("--config")
    estimate.add_argument("--home")
    estimate.set_defaults(func=cmd_estimate)
    report = sub.add_parser("report", help="stage counts, quarantine reasons, split sizes, exported files")
    report.add_argument("--home")
    report.set_defaults(func=cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except (FileNotFoundError, HomeBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
