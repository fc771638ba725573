"""The starter generator: solution blocks out, placeholders in, tags right, errors named."""

from __future__ import annotations

import nbformat
import pytest

from grading.make_starters import (
    PLACEHOLDER,
    RAISES_TAG,
    MarkerError,
    make_starter,
    strip_solutions,
)

FUNCTION = '''def double(x: int) -> int:
    """Twice x."""
    # BEGIN SOLUTION
    return 2 * x
    # END SOLUTION'''


def test_a_function_keeps_its_def_line_and_docstring():
    starter, top_level = strip_solutions(FUNCTION)
    assert starter.splitlines() == [
        "def double(x: int) -> int:",
        '    """Twice x."""',
        f"    {PLACEHOLDER}",
        '    raise NotImplementedError("not implemented yet: replace this line with your code")',
    ]
    assert not top_level
    namespace: dict = {}
    exec(starter, namespace)  # noqa: S102 - the starter still defines the function
    with pytest.raises(NotImplementedError):
        namespace["double"](2)


def test_top_level_code_is_flagged():
    starter, top_level = strip_solutions("# BEGIN SOLUTION\nanswer = 42\n# END SOLUTION\nanswer")
    assert top_level
    assert "42" not in starter
    assert starter.endswith("answer")


@pytest.mark.parametrize("source, problem", [
    ("# BEGIN SOLUTION\nx = 1", "never closed"),
    ("x = 1\n# END SOLUTION", "without BEGIN"),
    ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION", "inside another block"),
])
def test_unpaired_markers_are_named(source, problem):
    with pytest.raises(MarkerError, match=problem):
        strip_solutions(source, "01_x, cell 3")


def test_the_starter_notebook_has_no_outputs_and_the_right_tags():
    solution = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(FUNCTION, execution_count=1, outputs=[
            nbformat.v4.new_output("stream", text="hi")]),
        nbformat.v4.new_code_cell("# BEGIN SOLUTION\nvalue = double(2)\n# END SOLUTION"),
        nbformat.v4.new_code_cell("value + 1", metadata={"tags": ["raises-in-starter"]}),
        nbformat.v4.new_code_cell("check('q1')"),
    ])
    starter = make_starter(solution, "01_x")
    tags = [c.metadata.get("tags", []) for c in starter.cells]
    assert tags == [[], [RAISES_TAG], [RAISES_TAG], []]
    assert all(c.outputs == [] and c.execution_count is None for c in starter.cells)
    assert solution.cells[0].outputs, "the solution itself is left untouched"
    assert make_starter(solution, "01_x") == starter, "generation is deterministic"


QUIZ = """minutes = 5

[q1]
kind = "choice"
points = 1
prompt = "Which?"
options = { a = "one", b = "two" }
answer = "b"
why = { a = "not this", b = "this one" }
"""


def test_the_quiz_cells_are_written_into_the_solution_and_blanked_in_the_starter(tmp_path):
    from grading.make_starters import out_of_date, write_starters

    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    (solutions / "01_x").mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]),
                   str(solutions / "01_x" / "exercise.ipynb"))
    (solutions / "01_x" / "quiz.toml").write_text(QUIZ)
    assert out_of_date(solutions, exercises) == ["solutions/01_x/exercise.ipynb"]
    write_starters(solutions, exercises)
    assert out_of_date(solutions, exercises) == []
    solved = nbformat.read(str(solutions / "01_x" / "exercise.ipynb"), as_version=4)
    starter = nbformat.read(str(exercises / "01_x" / "exercise.ipynb"), as_version=4)
    assert [c.source for c in solved.cells][-1] == 'check("quiz")'
    assert '"q1": "b"' in solved.cells[-2].source
    assert '"q1": None' in starter.cells[-2].source and '"b"' not in starter.cells[-2].source
