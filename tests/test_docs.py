"""The README runs: every searchlib command line of its CLI examples, of "Answer tables"
and of "Adding reports", and its Python example, as written (a drifting example fails here)."""
import re
import shlex
import shutil

import pytest
from click.testing import CliRunner

from searchlib.cli import main
from tests.conftest import CORPUS, ROOT, SEEDS

README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(lang: str, after: str) -> str:
    """The first ``lang`` code block after the heading or line ``after``."""
    start = README.index(after)
    m = re.compile(rf"```{lang}\n(.*?)```", re.S).search(README, start)
    return m.group(1)


def commands(block: str) -> list[str]:
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.startswith("searchlib ")]


def run_line(line: str, index) -> None:
    line = line.split(" | ")[0]                      # a pipe into another tool: only our part
    out_file = None
    if " > " in line:
        line, out_file = (x.strip() for x in line.split(" > "))
    args = shlex.split(line)[1:]
    r = CliRunner().invoke(main, ["--index", str(index), *args])
    assert r.exit_code in (0, 3), f"{line}\n{r.output}"
    assert "Error" not in r.output and "Traceback" not in r.output, line
    if out_file:
        with open(out_file, "w", encoding="utf-8") as fh:
            fh.write(r.output)


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    shutil.copytree(CORPUS, tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_cli_examples_run(workdir):
    assert CliRunner().invoke(main, ["--index", "index", "build", "corpus"]).exit_code == 0
    lines = commands(blocks("bash", "Examples:"))
    assert len(lines) >= 10
    for line in lines:
        run_line(line, workdir / "index")
    assert (workdir / "zhejiang.csv").read_text(encoding="utf-8").startswith("doc_id,title")


def test_answer_table_examples_run(workdir):
    assert CliRunner().invoke(main, ["--index", "index", "build", "corpus"]).exit_code == 0
    lines = commands(blocks("bash", "### Answer tables"))
    assert [line.split()[1] for line in lines] == ["figures"] * 4
    for line in lines:
        run_line(line, workdir / "index")
    assert (workdir / "review.csv").read_text(encoding="utf-8").startswith("region,region_code,year,period,role")


def test_adding_reports_examples_run(workdir):
    assert CliRunner().invoke(main, ["--index", "index", "build", "corpus"]).exit_code == 0
    (workdir / "corpus" / "2019").mkdir()
    text = SEEDS[1].read_text(encoding="utf-8") + "\n附：本报告另行印发。\n"       # a new report, not a copy
    (workdir / "corpus" / "2019" / "法治政府建设报告.txt").write_text(text, encoding="utf-8")
    lines = commands(blocks("bash", "## Adding reports"))
    assert [line.split()[1] for line in lines] == ["update", "add", "remove"]
    for line in lines:
        run_line(line, workdir / "index")


def test_python_example_runs(workdir, capsys):
    code = blocks("python", "## Python API")
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "两法衔接" in out or "行政执法" in out and (workdir / "index").is_dir()


def test_package_docstring_example_runs(workdir):
    import searchlib
    code = re.search(r"::\n\n((?:    .*\n)+)", searchlib.__doc__).group(1)
    exec(compile("\n".join(line[4:] for line in code.splitlines()), "searchlib/__init__.py", "exec"), {})


def test_every_command_and_option_is_in_the_readme():
    for name, command in main.commands.items():
        assert f"searchlib {name}" in README, name
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--") and opt not in ("--help",):
                    assert opt in README, f"{name} {opt}"


def test_every_option_has_help_text():
    for name, command in [("", main), *main.commands.items()]:
        assert command.help, name
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"{name} {param.opts}"
        help_text = CliRunner().invoke(main, [name, "--help"] if name else ["--help"]).output
        for param in command.params:
            if param.param_type_name == "option":
                assert param.opts[0] in help_text, f"{name} {param.opts[0]}"


def test_the_readme_cli_reference_is_current():
    import importlib.util
    spec = importlib.util.spec_from_file_location("cli_reference", ROOT / "scripts" / "cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.reference() in README, "run scripts/cli_reference.py --write"
