"""Every command the README and docs tell a user to run exists and takes the options
they show: a management command (`manage.py NAME --option`) or a benchmark
(`python -m tests.bench.NAME --option`). A renamed option left the docs telling
users to type what fails."""

import argparse
import importlib
import re
import sys

import pytest
from django.core.management import get_commands, load_command_class

from tests.test_docs_paths import DOCS

# To the end of the code span or line; a shell line continued with "\" goes on.
COMMAND = re.compile(r"manage\.py ([a-z0-9_]+)([^`\n]*)")
BENCHMARK = re.compile(r"python -m (tests\.bench\.[a-z0-9_]+)([^`\n]*)")
OPTION = re.compile(r"(?<![\w-])(--[a-z][\w-]*)")


def named(pattern: re.Pattern) -> dict[str, set[str]]:
    """Each command the docs name, with the options they show with it."""
    found: dict[str, set[str]] = {}
    for doc in DOCS:
        for match in pattern.finditer(doc.read_text().replace("\\\n", " ")):
            found.setdefault(match[1], set()).update(OPTION.findall(match[2]))
    return found


def options(parser: argparse.ArgumentParser) -> set[str]:
    return {option for action in parser._actions for option in action.option_strings}


def test_the_docs_name_commands_and_benchmarks_with_their_options():
    commands, benchmarks = named(COMMAND), named(BENCHMARK)
    # The patterns find them (15 commands and 8 benchmarks when written).
    assert len(commands) > 12
    assert len(benchmarks) > 5
    assert sum(len(shown) for shown in [*commands.values(), *benchmarks.values()]) > 15


@pytest.mark.parametrize(("name", "shown"), sorted(named(COMMAND).items()))
def test_every_management_command_the_docs_name_takes_the_options_shown(name, shown):
    app = get_commands().get(name)
    assert app is not None, f"the docs name manage.py {name}, which does not exist"
    parser = load_command_class(app, name).create_parser("manage.py", name)
    assert shown <= options(parser), f"manage.py {name} takes no {sorted(shown - options(parser))}"


class Parsed(Exception):
    def __init__(self, parser):
        self.parser = parser


@pytest.mark.parametrize(("module", "shown"), sorted(named(BENCHMARK).items()))
def test_every_benchmark_the_docs_name_takes_the_options_shown(module, shown, monkeypatch):
    def parse_args(parser, *args, **kwargs):
        raise Parsed(parser)  # the parser main() built, before it runs anything

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_args)
    monkeypatch.setattr(sys, "argv", [module])
    with pytest.raises(Parsed) as parsed:
        importlib.import_module(module).main()
    taken = options(parsed.value.parser)
    assert shown <= taken, f"python -m {module} takes no {sorted(shown - taken)}"
