"""`themeflow codebook lint FILE` and `themeflow codebook show FILE`."""

from __future__ import annotations

from pathlib import Path

import typer

from themeflow.cli._util import Arg, JsonOpt, Opt, app, console, guarded, print_json, wants_json

codebook_app = typer.Typer(help="Validate and show codebooks.", no_args_is_help=True)
app.add_typer(codebook_app, name="codebook")


@codebook_app.command("lint")
def lint_cli(
    file: Path = Arg(..., help="Codebook YAML."),
    strict: bool = Opt(False, "--strict", help="Exit 1 when there are warnings."),
    as_json: bool = JsonOpt,
) -> None:
    """Validate a codebook. Errors, with line numbers (exit 2): schema problems, keys written twice, duplicate
    ids, regexes and token patterns that do not compile. Warnings (exit 1 with --strict): empty definitions,
    shared cues, keywords jieba splits, regexes Python warns about.

    Example: themeflow codebook lint codebooks/peer-support.yaml --strict
    """
    from themeflow.codebook_lint import lint

    report = guarded(lambda: lint(file))
    if wants_json(as_json):
        print_json(report.to_dict())
    else:
        for problem in report.errors:
            console.print(f"[red]error[/red] {problem}", soft_wrap=True)
        for problem in report.warnings:
            console.print(f"[yellow]warning[/yellow] {problem}", soft_wrap=True)
        console.print(f"{file}: {report.codes} codes, {len(report.errors)} errors, {len(report.warnings)} warnings")
    if report.errors:
        raise typer.Exit(code=2)
    if strict and report.warnings:
        raise typer.Exit(code=1)


@codebook_app.command("show")
def show_cli(file: Path = Arg(..., help="Codebook YAML.")) -> None:
    """Print the codebook as a tree: themes, sub-themes and codes with labels and cue counts.

    Example: themeflow codebook show codebooks/peer-support.yaml
    """
    from rich.tree import Tree

    from themeflow import codebook as codebook_mod

    book = guarded(lambda: codebook_mod.load(file))
    root = Tree(f"[bold]{book.title.both() or book.id}[/bold]")

    def add(parent: Tree, node: codebook_mod.Node) -> None:
        label = f"[bold]{node.id}[/bold] {node.label.zh} · {node.label.en}"
        if node.is_code:
            counts = f"{len(node.keywords)} keywords, {len(node.phrases)} phrases, {len(node.patterns)} patterns"
            label += f"  [dim]{counts}[/dim]"
        branch = parent.add(label)
        if node.is_code and node.definition.both():
            branch.add(f"[dim]{node.definition.best('zh')}[/dim]")
        for child in node.children:
            add(branch, child)

    for theme in book.themes:
        add(root, theme)
    console.print(root)
