"""`record`'s flag table: every StageRecord field has a flag, and the help shows them all."""

from __future__ import annotations

from dataclasses import fields

from gitops_tui.cli import build_parser
from gitops_tui.cli.commands.record import RECORD_FLAGS, stage_record
from gitops_tui.writer import StageRecord
from helpers import run_cli


def test_every_stage_record_field_is_reachable_by_a_flag():
    filled = [flag.field for flag in RECORD_FLAGS if flag.field]
    assert sorted(filled) == sorted(f.name for f in fields(StageRecord))
    names = [name for flag in RECORD_FLAGS for name in flag.names]
    assert len(names) == len(set(names)), "a spelling is declared twice"


def test_flags_map_into_the_stage_record():
    # One distinct value per field, passed by the flag's last spelling, must land in it.
    argv = ["record"]
    for flag in RECORD_FLAGS:
        if flag.field == "stage":
            argv += [flag.names[-1], "cluster-sync"]
        elif flag.field:
            argv += [flag.names[-1], f"v-{flag.field}"]
    args = build_parser().parse_args(argv)
    rec = stage_record(args, "the-partition")
    for f in fields(StageRecord):
        expected = {"stage": "cluster-sync", "partition": "the-partition"}.get(f.name, f"v-{f.name}")
        assert getattr(rec, f.name) == expected, f.name
    assert args.partition == "v-partition"  # -p reaches the record through the config


def test_short_aliases_fill_the_same_attributes():
    args = build_parser().parse_args(["record", "-k", "K", "-n", "N", "-p", "P", "-t", "T", "-q"])
    assert (args.access_key, args.name, args.partition, args.table_name, args.quiet) == ("K", "N", "P", "T", True)


def test_record_help_lists_every_flag_of_the_table():
    result = run_cli("record", "--help")
    assert result.returncode == 0, result.stderr
    words = set(result.stdout.replace(",", " ").replace("[", " ").replace("]", " ").split())
    for flag in RECORD_FLAGS:
        for name in flag.names:
            assert name in words, name
        assert " ".join(flag.help.split()[:3]) in " ".join(result.stdout.split()), flag.help
