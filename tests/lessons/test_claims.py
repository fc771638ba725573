"""Every number a lesson states in prose is either computed or checked.

A sentence in a lesson's markdown that carries a number ("5,460 customers", "the tuned model
loses 0.008 ROC AUC", "3x the dirt") is a claim about an output. nbval only compares
outputs, so such a sentence can go stale while every test stays green. The rule here:

* a claim is **rendered** — it lives in a code cell's output, e.g.
  ``Markdown(f"... {rows_silver:,} rows ...")``, so it is the value; or
* the markdown cell is **followed by a code cell that asserts it**: at least one ``assert``
  per claim sentence, each comparing something computed (not a constant) and carrying a
  message that says which sentence broke; the cell is executed by nbval (not skipped), and
  an assert inside a function or class body does not count (nothing says it runs); or
* the cell is a **prompt** to the learner (tagged ``predict`` or ``modify``): it asks, and its
  numbers are a guess's options or a task's knobs; the claim before it is checked by the
  first cell after it; or
* the phrase is **declared not a result** in the markdown cell's metadata, with a reason:
  ``"claims": {"not_results": {"1950": "the year of Turing's paper (a date, not a result)"}}``.
  Every declared phrase must still occur in the cell and carry a digit.

Text that is not a sentence of prose is left out before looking for numbers: code spans,
links' targets, list markers, numbered headings, and references to the course's own
structure ("lesson 04", "Part 2", "takeaway 3", "steps 5–6"). Literal text inside a code
cell's ``Markdown(...)`` call is prose too (only its ``{...}`` fields are values), and
follows the same rule; text built elsewhere and passed to ``Markdown`` as a variable is not
inspected, so keep rendered prose inside the call.

This test reads the notebooks; it does not run them (nbval does).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from demo.paths import LESSONS_DIR

NUMBER = re.compile(r"\d")

# Not prose: code, links' targets, HTML, and the course's own structure.
NOT_PROSE = [
    re.compile(r"```.*?```", re.DOTALL),                         # fenced code
    re.compile(r"`[^`\n]*`"),                                     # code spans
    re.compile(r"\]\([^)]*\)"),                                   # a link's target
    re.compile(r"https?://\S+"),                                  # bare addresses
    re.compile(r"<[^>\n]+>"),                                     # HTML tags
    re.compile(r"^\s*(\d+\.|[*+-])\s+", re.MULTILINE),            # list markers
    re.compile(r"\b(lessons?|parts?|takeaways?|steps?)\s+\d+(\s*([–-]|,|and|or)\s*\d+)*",
               re.IGNORECASE),                                    # course structure
    re.compile(r"\b\d+_[a-z_]+\b"),                               # folder names: 05_demo
    re.compile(r"^#+\s*\d+\.", re.MULTILINE),                      # numbered headings
]

TRIVIAL_SENTENCE = re.compile(r"^[\W_]*$")
SKIP_TAGS = {"nbval-skip", "skip-execution", "raises-exception"}
PROMPT_TAGS = {"predict", "modify"}
MIN_REASON_LENGTH = 15


def lesson_notebooks() -> list[Path]:
    return sorted(LESSONS_DIR.glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb"))


@dataclass(frozen=True)
class Claim:
    cell: int
    sentence: str

    def __str__(self) -> str:
        return f"cell {self.cell}: {self.sentence!r}"


def declared_not_results(cell: dict) -> dict[str, str]:
    return dict(cell.get("metadata", {}).get("claims", {}).get("not_results", {}))


def prose_without_non_claims(text: str, not_results: dict[str, str]) -> str:
    for phrase in sorted(not_results, key=len, reverse=True):
        text = text.replace(phrase, " ")
    for pattern in NOT_PROSE:
        text = pattern.sub(" ", text)
    return text


def sentences(text: str) -> list[str]:
    """Sentences, with every table row, list item and heading a sentence of its own."""
    pieces = []
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:\||#|\d+\.\s|[*+-]\s))", text):
        pieces += re.split(r"(?<=[.!?:;])\s+(?=[A-Z(*\"'“])", " ".join(block.split()))
    return [piece.strip() for piece in pieces if not TRIVIAL_SENTENCE.match(piece)]


def numbered_sentences(text: str, not_results: dict[str, str]) -> list[str]:
    return [s for s in sentences(prose_without_non_claims(text, not_results)) if NUMBER.search(s)]


def markdown_literals(source: str) -> list[str]:
    """The literal text of every ``Markdown(...)`` call in a code cell (not its fields)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: no Markdown calls to check in such cells
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name != "Markdown":
            continue
        for argument in node.args:
            found += _literal_text(argument)
    return found


def _literal_text(node: ast.AST) -> list[str]:
    """The text of the string literals under ``node``; an f-string's fields become "{…}"."""
    if isinstance(node, ast.JoinedStr):
        return ["".join(part.value if isinstance(part, ast.Constant) else "{…}"
                        for part in node.values)]
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) else []
    return [text for child in ast.iter_child_nodes(node) for text in _literal_text(child)]


def checking_asserts(source: str) -> int:
    """How many asserts a code cell runs that compare something computed, with a message.

    An assert inside a function or class body is not counted: nothing says it runs.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return 0
    return sum(1 for node in _run_when_the_cell_runs(tree)
               if isinstance(node, ast.Assert) and node.msg is not None
               and any(isinstance(part, ast.Name) for part in ast.walk(node.test)))


def _run_when_the_cell_runs(node: ast.AST) -> list[ast.AST]:
    deferred = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
    found = [node]
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, deferred):
            found += _run_when_the_cell_runs(child)
    return found


def tags_of(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def unchecked_claims(notebook: nbformat.NotebookNode) -> list[Claim]:
    cells = notebook.cells
    unchecked = []
    for index, cell in enumerate(cells):
        if PROMPT_TAGS & tags_of(cell):
            continue
        source = cell.source
        not_results = declared_not_results(cell)
        if cell.cell_type == "markdown":
            claims = numbered_sentences(source, not_results)
        elif cell.cell_type == "code":
            claims = [s for literal in markdown_literals(source)
                      for s in numbered_sentences(literal, not_results)]
            if claims:  # literal numbers in rendered prose are not rendered from values
                unchecked += [Claim(index, s) for s in claims]
            continue
        else:
            continue
        if not claims:
            continue
        after = [c for c in cells[index + 1:] if not PROMPT_TAGS & tags_of(c)]
        following = after[0] if after else None
        runs = following is not None and following.cell_type == "code" and not (
            SKIP_TAGS & tags_of(following))
        asserts = checking_asserts(following.source) if runs else 0
        if asserts < len(claims):
            unchecked += [Claim(index, s) for s in claims]
    return unchecked


def declaration_problems(notebook: nbformat.NotebookNode) -> list[str]:
    problems = []
    for index, cell in enumerate(notebook.cells):
        for phrase, reason in declared_not_results(cell).items():
            if phrase not in cell.source:
                problems.append(f"cell {index}: {phrase!r} is declared but not in the cell")
            if not NUMBER.search(phrase):
                problems.append(f"cell {index}: {phrase!r} holds no number to declare")
            if len(str(reason).strip()) < MIN_REASON_LENGTH:
                problems.append(f"cell {index}: {phrase!r} needs a reason, not {reason!r}")
    return problems


@pytest.mark.parametrize("path", lesson_notebooks(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_stated_number_is_rendered_or_asserted(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    unchecked = unchecked_claims(notebook)
    assert not unchecked, (
        f"{path.name}: {len(unchecked)} sentence(s) state a number that is neither rendered "
        "from values nor asserted by the next cell (nor declared not a result, with a reason):\n"
        + "\n".join(f"  {claim}" for claim in unchecked))


@pytest.mark.parametrize("path", lesson_notebooks(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_declared_exceptions_are_current_and_explained(path: Path) -> None:
    problems = declaration_problems(nbformat.read(path, as_version=4))
    assert not problems, "\n".join(problems)


def make_notebook(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = list(cells)
    return notebook


md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def test_a_number_in_prose_needs_an_assert_or_a_rendering() -> None:
    notebook = make_notebook(md("The model beats the rule by 0.13 F1."), code("print(f1)"))
    assert [c.sentence for c in unchecked_claims(notebook)] == [
        "The model beats the rule by 0.13 F1."]


def test_an_assert_in_the_next_cell_checks_the_sentence() -> None:
    notebook = make_notebook(md("The model beats the rule by 0.13 F1."),
                             code('assert round(gain, 2) == 0.13, "the prose says 0.13"'))
    assert unchecked_claims(notebook) == []


@pytest.mark.parametrize(
    "assertion",
    [
        'assert True, "the prose says so"',                  # compares nothing computed
        'assert 1 == 1, "the prose says so"',
        "assert gain > 0",                                   # no message
        "# assert gain > 0, 'commented out'",
        "def unused():\n    assert gain > 0, 'never called'",
    ],
)
def test_a_trivial_assert_checks_nothing(assertion: str) -> None:
    notebook = make_notebook(md("The gain is 0.13."), code(assertion))
    assert unchecked_claims(notebook)


def test_an_assert_that_is_not_run_checks_nothing() -> None:
    skipped = code('assert gain == 0.13, "the prose says 0.13"')
    skipped.metadata["tags"] = ["nbval-skip"]
    assert unchecked_claims(make_notebook(md("The gain is 0.13."), skipped))


def test_one_assert_per_claim_sentence() -> None:
    notebook = make_notebook(md("The gain is 0.13. The cost falls by $2."),
                             code('assert gain == 0.13, "the prose says 0.13"'))
    assert len(unchecked_claims(notebook)) == 2


def test_structure_code_and_links_are_not_claims() -> None:
    notebook = make_notebook(md(
        "# Lesson 04 · Part 1\n\n## 2. The model layer\n\n1. see `demo/params.toml` and [Part 2](02_x.ipynb);\n"
        "2. lessons 05 and 06 continue, steps 1–4 come first, in `05_demo`."), code("x"))
    assert unchecked_claims(notebook) == []


def test_a_declared_phrase_needs_a_reason_and_must_be_present() -> None:
    cell = md("Turing wrote in 1950.")
    cell.metadata["claims"] = {"not_results": {"1950": "the year of the paper, a date"}}
    assert unchecked_claims(make_notebook(cell, code("x"))) == []
    assert declaration_problems(make_notebook(cell)) == []
    cell.metadata["claims"] = {"not_results": {"1950": "", "1951": "a year no longer in it"}}
    assert len(declaration_problems(make_notebook(cell))) == 2


def test_literal_numbers_inside_rendered_markdown_are_claims() -> None:
    rendered = code('Markdown(f"The gain is {gain:.2f}, 3 times the rule\'s.")')
    assert [c.sentence for c in unchecked_claims(make_notebook(rendered))] == [
        "The gain is {…}, 3 times the rule's."]
    honest = code('Markdown(f"The gain is {gain:.2f}, {ratio:.0f} times the rule\'s.")')
    assert unchecked_claims(make_notebook(honest)) == []
