"""``patent-sync deadline RULE TRIGGER_DATE [--param KEY=VALUE ...] [--json]``.

Computes one deadline and prints the working: the trigger, each period added, each
roll-forward over a weekend or closure day with its reason, the due and final dates, the
citation and any calendar warning. ``--json`` prints one JSON object instead;
``patent-sync deadline --list`` lists the rules with their citations and parameters.

Examples:
  patent-sync deadline us.oa_reply 2024-03-15 --param extension_months=1
  patent-sync deadline ep.renewal_fee 2022-11-15 --param year=3 --json
  patent-sync deadline pct.national_phase 2023-01-31 --param office=EPO
  patent-sync deadline ep.further_processing 2024-05-02 --param "missed_rule=Rule 71(3)"
  patent-sync deadline ep.appeal 2024-05-02 --param act=grounds
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from patent_sync.cli.errors import CliError
from patent_sync.deadlines import DeadlineError, DeadlineResult, compute, list_rules

_USAGE_ERROR = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "deadline",
        help="compute one deadline with its citation and working",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("rule", nargs="?", help="rule id, e.g. us.oa_reply (see --list)")
    parser.add_argument("trigger_date", nargs="?", help="trigger date, YYYY-MM-DD")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a rule parameter, e.g. --param office=EPO (repeatable)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--list", action="store_true", help="list the rules and exit")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.list:
        _print_rules(as_json=args.json)
        return 0
    if not args.rule or not args.trigger_date:
        raise CliError(
            "give a RULE and a TRIGGER_DATE (YYYY-MM-DD), or --list to see the rules",
            _USAGE_ERROR,
        )
    params = _parse_params(args.param)
    try:
        result = compute(args.rule, args.trigger_date, **params)
    except DeadlineError as exc:
        raise CliError(str(exc), _USAGE_ERROR) from None
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, sort_keys=True))
    else:
        _print_result(result)
    return 0


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key or not value.strip():
            raise CliError(f"--param must look like KEY=VALUE, got {pair!r}", _USAGE_ERROR)
        if key in params:
            raise CliError(f"--param {key} is given twice", _USAGE_ERROR)
        params[key] = value.strip()
    return params


def _print_result(result: DeadlineResult) -> None:
    out = sys.stdout
    out.write(f"rule:       {result.rule}\n")
    out.write(f"trigger:    {result.trigger_date.isoformat()}\n")
    out.write(f"due:        {result.due_date.isoformat()}\n")
    final = result.final_date.isoformat() if result.final_date else "-"
    out.write(f"final:      {final}\n")
    out.write(f"extendable: {'yes' if result.extendable else 'no'}\n")
    out.write(f"citation:   {result.citation}\n")
    out.write("working:\n")
    for line in result.explanation:
        out.write(f"  {line}\n")


def _print_rules(as_json: bool) -> None:
    rules = list_rules()
    if as_json:
        rows: list[dict[str, Any]] = [
            {
                "id": rule.id,
                "title": rule.title,
                "citation": rule.citation,
                "trigger": rule.trigger,
                "period": rule.period,
                "extendable": rule.extendable,
                "office": rule.office,
                "params": [
                    {
                        "name": param.name,
                        "kind": param.kind,
                        "required": param.required,
                        "default": param.default,
                        "choices": list(param.choices),
                        "description": param.description,
                    }
                    for param in rule.params
                ],
            }
            for rule in rules
        ]
        print(json.dumps(rows, ensure_ascii=False))
        return
    for rule in rules:
        print(f"{rule.id}  {rule.title}")
        print(f"    citation: {rule.citation}")
        print(f"    trigger:  {rule.trigger}")
        print(f"    period:   {rule.period} ({'extendable' if rule.extendable else 'absolute'})")
        for param in rule.params:
            if param.required:
                note = "required"
            elif param.default is None:
                note = "optional"
            else:
                note = f"default {param.default}"
            value = "|".join(str(choice) for choice in param.choices) or "..."
            print(f"    --param {param.name}={value}  ({note}) {param.description}")
