"""The command line's structure: help for everything, lazy handlers, a light start."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

import pytest

from stalkrisk.cli._parser import Handler, build_parser


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser, str | None]]:
    """Every (sub)command: its words, its parser and its one-line help in the parent's list."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                found.append(((*path, name), sub, helps.get(name)))
                found += _commands(sub, (*path, name))
    return found


COMMANDS = _commands(build_parser())


def test_every_command_is_listed_with_a_one_line_description() -> None:
    assert len(COMMANDS) >= 16  # 13 commands, keys new, instruments list/show/check
    for words, sub, text in COMMANDS:
        assert text, words
        assert "\n" not in text, words
        assert len(text) <= 100, words
        assert sub.description == text, words  # shown atop the command's own --help
    out = subprocess.run(
        [sys.executable, "-m", "stalkrisk", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for words, _, text in COMMANDS:
        if len(words) == 1:
            assert words[0] in out
            assert " ".join(str(text).split()[:3]) in " ".join(out.split())


@pytest.mark.parametrize("words", [w for w, _, _ in COMMANDS], ids=" ".join)
def test_every_argument_has_help_text(words: tuple[str, ...]) -> None:
    (sub,) = [s for w, s, _ in COMMANDS if w == words]
    for action in sub._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue
        assert action.help, f"{' '.join(words)} {action.dest}"
        assert action.help.strip(), f"{' '.join(words)} {action.dest}"


def test_every_command_dispatches_to_a_function_that_exists() -> None:
    handlers = {w[0]: s.get_default("func") for w, s, _ in COMMANDS if len(w) == 1}
    assert len(handlers) == 13
    for name, handler in handlers.items():
        assert isinstance(handler, Handler), name
        module = importlib.import_module(f"stalkrisk.cli.{handler.module}")
        assert callable(getattr(module, handler.function)), name
    args = build_parser().parse_args(["instruments", "show", "psa"])
    assert args.func == handlers["instruments"]  # a sub-command runs its command's handler


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["score", "--help"]])
def test_version_and_help_load_neither_pydantic_nor_numpy(argv: list[str]) -> None:
    code = (
        "import sys\n"
        "from stalkrisk.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('pydantic', 'numpy', 'stalkrisk.scoring')\n"
        "heavy = sorted(m for m in heavy if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert "HEAVY []" in result.stderr, result.stderr


def test_import_stalkrisk_is_light_and_names_load_on_use() -> None:
    code = (
        "import sys, stalkrisk\n"
        "print(sorted(m for m in ('pydantic', 'numpy') if m in sys.modules))\n"
        "print(stalkrisk.__version__, stalkrisk.score.__name__, 'numpy' in sys.modules)\n"
        "print(sorted(set(stalkrisk.__all__) - set(dir(stalkrisk))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[0] == "[]"
    assert out[1].endswith("score True")
    assert out[2] == "[]"  # every public name is listed by dir()


def test_an_unknown_attribute_is_an_attribute_error() -> None:
    import stalkrisk

    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        stalkrisk.nothing_here  # noqa: B018
    assert not hasattr(stalkrisk, "_private_thing")
