"""`python -m risk train | evaluate | score`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from risk.dataset import DEFAULT_DATA


def _train(args: argparse.Namespace) -> int:
    from risk.train import train

    version = train(args.data, args.out, seed=args.seed, holdout_share=args.holdout)
    print(f"wrote {args.out} (version {version})")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from risk.evaluate import cross_validate, report

    results = cross_validate(args.data, folds=args.folds, repeats=args.repeats, seed=args.seed)
    print(report(results, args.folds, args.repeats))
    return 0


def _score(args: argparse.Namespace) -> int:
    from risk.jsonio import InputError, decision_to_json, parse_request
    from risk.scorecard import load_scorecard

    try:
        application, context = parse_request(json.load(sys.stdin))
    except (InputError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from risk.decide import assess_with

    decision = assess_with(load_scorecard(args.scorecard), application, context)
    print(json.dumps(decision_to_json(decision), indent=2, ensure_ascii=False))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m risk")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="fit the scorecard on the German credit data")
    train.add_argument("--data", type=Path, default=DEFAULT_DATA)
    train.add_argument("--out", type=Path, default=Path(__file__).with_name("scorecard.json"))
    train.add_argument("--seed", type=int, default=0)
    train.add_argument(
        "--holdout",
        type=float,
        default=0.0,
        help="share kept out, for a held-out check (the committed card uses all the data)",
    )
    train.set_defaults(run=_train)
    evaluate = commands.add_parser("evaluate", help="repeated stratified cross-validation")
    evaluate.add_argument("--data", type=Path, default=DEFAULT_DATA)
    evaluate.add_argument("--folds", type=int, default=5)
    evaluate.add_argument("--repeats", type=int, default=3)
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.set_defaults(run=_evaluate)
    score = commands.add_parser("score", help="decide one application read as JSON on stdin")
    score.add_argument("--scorecard", type=Path, default=None)
    score.set_defaults(run=_score)
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result
