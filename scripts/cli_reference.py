#!/usr/bin/env python3
"""The README's CLI reference, generated from the commands' own help texts.

    .venv/bin/python scripts/cli_reference.py            # print it
    .venv/bin/python scripts/cli_reference.py --write    # replace it in README.md

tests/test_docs.py fails when the README's copy differs from what this prints.
"""
import sys
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
START, END = "<!-- cli-reference -->", "<!-- /cli-reference -->"


def option_row(param: click.Parameter) -> str:
    names = ", ".join(f"`{o}`" for o in param.opts)
    if isinstance(param, click.Option) and not param.is_flag and param.type.name != "boolean":
        metavar = param.type.name.upper() if not isinstance(param.type, click.Choice) else \
            "\\|".join(param.type.choices)
        names += f" {metavar}"
    text = (param.help or "").replace("|", "\\|").replace("\n", " ")
    if isinstance(param, click.Option) and param.show_default and param.default not in (None, False):
        text += f" (default: {param.default})"
    return f"| {names} | {text} |"


def reference() -> str:
    from searchlib.cli import main
    lines = [START, "", "| global option | meaning |", "|---|---|"]
    lines += [option_row(p) for p in main.params if isinstance(p, click.Option)]
    for name, command in main.commands.items():
        args = " ".join(a.name.upper() + ("..." if a.nargs == -1 else "") for a in command.params
                        if isinstance(a, click.Argument))
        lines += ["", f"**`searchlib {name}{' ' + args if args else ''}`**: {command.help.splitlines()[0]}", ""]
        options = [p for p in command.params if isinstance(p, click.Option)]
        if options:
            lines += ["| option | meaning |", "|---|---|"] + [option_row(p) for p in options]
    lines += ["", END]
    return "\n".join(lines)


def main():
    text = reference()
    if "--write" in sys.argv:
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        a, b = readme.index(START), readme.index(END) + len(END)
        (ROOT / "README.md").write_text(readme[:a] + text + readme[b:], encoding="utf-8")
    else:
        print(text)


if __name__ == "__main__":
    main()
