"""What students see from check(), check_all() and skip_if_unfinished()."""

from __future__ import annotations

import torch

from course_lib.grading import FunctionTest, ValueTest, check, check_all, hidden_tests, public_tests, skip_if_unfinished


def reference_double(x):
    return 2 * x


def notebook(**answers) -> dict:
    """A fresh notebook namespace with one question's tests registered from inside it."""
    namespace = {"__name__": "__main__", "reference_double": reference_double, "torch": torch, **answers}
    exec(
        "from course_lib.grading import FunctionTest, ValueTest, public_tests\n"
        "public_tests('q1', FunctionTest('double', reference=reference_double, inputs=[(torch.arange(3.0),)], title='double on 0, 1, 2'))\n"
        "public_tests('q2', ValueTest('v', expected=0.123456, title='v has the right value'))\n",
        namespace,
    )
    return namespace


def test_check_reports_pass_and_hidden_test_notice(capsys):
    check("q1", notebook(double=lambda x: x + x))
    out = capsys.readouterr().out
    assert "q1: 1 of 1 check passed (all passed)" in out and "✓ double on 0, 1, 2" in out
    assert "hidden tests run at grading time" in out


def test_check_reports_not_implemented_yet(capsys):
    def double(x):
        raise NotImplementedError

    check("q1", notebook(double=double))
    assert "not implemented yet" in capsys.readouterr().out


def test_check_reports_why_without_the_expected_answer_or_test_code(capsys):
    check("q2", notebook(v=0.5))
    out = capsys.readouterr().out
    assert "✗ v has the right value" in out and "largest error" in out
    assert "0.123456" not in out and "0.1235" not in out and "ValueTest" not in out


def test_check_unknown_question_lists_the_known_ones(capsys):
    check("q9", notebook())
    assert "no tests are registered for 'q9' (known: q1, q2)" in capsys.readouterr().out


def test_check_finds_tests_in_the_callers_globals(capsys):
    namespace = notebook(double=lambda x: 2 * x)
    exec("from course_lib.grading import check\ncheck('q1')", namespace)
    assert "all passed" in capsys.readouterr().out


def test_check_all_summarises_each_question(capsys):
    check_all(notebook(double=lambda x: 2 * x, v=...))
    out = capsys.readouterr().out
    assert "q1: 1 of 1 check passed (all passed)" in out
    assert "q2: 0 of 1 check passed (not implemented yet)" in out
    assert "1 of 2 checks passed" in out


def test_rerunning_a_test_cell_replaces_its_tests():
    namespace = {"public_tests": public_tests, "ValueTest": ValueTest}
    exec("public_tests('q1', ValueTest('v', expected=1.0))\npublic_tests('q1', ValueTest('v', expected=2.0))", namespace)
    assert len(namespace["__course_tests__"]["q1"]["public"]) == 1


def test_hidden_tests_are_labelled_in_the_solution(capsys):
    namespace = notebook(double=lambda x: 2 * x)
    namespace.update(hidden_tests=hidden_tests, FunctionTest=FunctionTest)
    exec("hidden_tests('q1', FunctionTest('double', reference=lambda x: 2 * x, inputs=[(torch.ones(2),)], title='on ones'))", namespace)
    check("q1", namespace)
    out = capsys.readouterr().out
    assert "✓ on ones (hidden)" in out and "includes 1 hidden test" in out


def test_skip_if_unfinished_prints_a_message_instead_of_a_traceback(capsys):
    def stub():
        raise NotImplementedError

    with skip_if_unfinished("q1"):
        stub()
    assert capsys.readouterr().out == "skipped: this cell needs q1, which is not implemented yet\n"


def test_skip_if_unfinished_skips_a_value_left_as_ellipsis(capsys):
    bound = ...
    with skip_if_unfinished("q2"):
        print(2.0 <= bound * 1.001)
    assert capsys.readouterr().out == "skipped: this cell needs q2, which is not answered yet (still `...`)\n"


def test_skip_if_unfinished_skips_a_function_whose_cell_was_deleted(capsys):
    with skip_if_unfinished("q4"):
        print(worst_case_accuracy_never_defined())  # noqa: F821
    out = capsys.readouterr().out
    assert out.startswith("skipped: this cell needs q4, but name 'worst_case_accuracy_never_defined' is not defined; run the cell that defines it")


def test_skip_if_unfinished_lets_real_errors_through():
    import pytest

    with pytest.raises(ZeroDivisionError):
        with skip_if_unfinished("q1"):
            1 / 0
    with pytest.raises(TypeError, match="str"):
        with skip_if_unfinished("q1"):
            1 + "1"


def test_skip_if_unfinished_names_the_check_to_run_and_drops_a_half_drawn_figure(capsys):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pytest

    kept = plt.figure()
    with pytest.raises(ValueError):
        with skip_if_unfinished("q4", "q5"):
            half_drawn = plt.figure()
            raise ValueError("x_adv must be shaped like x")
    assert capsys.readouterr().out == 'stopped: this cell uses your answer to q4 and q5, which led to the error below; check("q4") and check("q5") say what to fix\n'
    assert half_drawn.number not in plt.get_fignums() and kept.number in plt.get_fignums()  # the one from before stays
    plt.close(kept)


def test_a_question_with_only_form_checks_never_says_all_passed(capsys):
    namespace = {"__name__": "__main__", "answer": "D"}
    exec("from course_lib.grading import ChoiceTest, public_tests\npublic_tests('q7', ChoiceTest('answer', options=('A', 'B', 'C', 'D')))\n", namespace)
    check("q7", namespace)
    out = capsys.readouterr().out
    assert "q7: 1 of 1 check passed (well formed; its value is judged at grading)" in out and "all passed" not in out
