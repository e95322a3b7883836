"""The answer checkers: each wrong answer gets the right verdict and a message a student can act on."""

from __future__ import annotations


import numpy as np
import pytest
import torch

from course_lib.gan.losses import gan_value
from course_lib.grading import ChoiceTest, FunctionTest, RangeTest, SelectionTest, ValueTest, to_plain
from course_lib.grading.checks import compare_values

pytestmark = pytest.mark.filterwarnings("error")


class AlwaysEqual:
    """A hostile answer: equal to everything, truthy, and a float when asked."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __float__(self):
        return 0.5

    def __bool__(self):
        return True


def judge(test, namespace):
    return test.run(namespace)


def test_value_matching_within_tolerance_passes():
    verdict = judge(ValueTest("x", expected=torch.tensor([1.0, 2.0])), {"x": torch.tensor([1.0, 2.0 + 1e-7])})
    assert verdict.passed


def test_value_wrong_shape_names_both_shapes():
    verdict = judge(ValueTest("x", expected=torch.zeros(3)), {"x": torch.zeros(3, 1)})
    assert verdict.status == "failed"
    assert "expected shape (3,), got shape (3, 1)" in verdict.message


def test_value_wrong_dtype_names_both_dtypes():
    verdict = judge(ValueTest("x", expected=torch.zeros(3)), {"x": torch.zeros(3, dtype=torch.float64)})
    assert verdict.status == "failed"
    assert "expected dtype torch.float32, got dtype torch.float64" in verdict.message


def test_value_with_nan_says_nan_and_where():
    verdict = judge(ValueTest("x", expected=torch.zeros(3)), {"x": torch.tensor([0.0, float("nan"), 0.0])})
    assert verdict.status == "failed"
    assert "NaN at index (1,)" in verdict.message


def test_value_reports_largest_error_and_its_index_without_the_expected_value():
    expected = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    verdict = judge(ValueTest("x", expected=expected), {"x": torch.tensor([[1.0, 2.0], [3.5, 4.0]])})
    assert verdict.status == "failed"
    assert "largest error is 0.5 at index (1, 0)" in verdict.message
    assert "3.0" not in verdict.message and "3.5" not in verdict.message


def test_value_object_whose_eq_is_always_true_fails_on_type():
    verdict = judge(ValueTest("x", expected=0.5), {"x": AlwaysEqual()})
    assert verdict.status == "failed"
    assert "expected a number (a Python float), got an AlwaysEqual" in verdict.message


def test_tensor_object_whose_eq_is_always_true_fails_on_type():
    verdict = judge(ValueTest("x", expected=torch.zeros(2)), {"x": AlwaysEqual()})
    assert verdict.status == "failed" and "expected a torch.Tensor" in verdict.message


def test_value_zero_dim_tensor_for_a_float_suggests_item():
    verdict = judge(ValueTest("x", expected=0.5), {"x": torch.tensor(0.5)})
    assert verdict.status == "failed" and ".item()" in verdict.message


def test_value_bool_is_not_a_number():
    assert judge(ValueTest("x", expected=1.0), {"x": True}).status == "failed"


def test_value_ellipsis_and_missing_are_not_implemented():
    assert judge(ValueTest("x", expected=1.0), {"x": ...}).status == "not implemented"
    verdict = judge(ValueTest("x", expected=1.0), {})
    assert verdict.status == "not implemented" and "`x` is not defined" in verdict.message


def test_range_rejects_value_out_of_range_with_reason():
    verdict = judge(RangeTest("v", high=0.0, why="V adds two logs of probabilities"), {"v": 0.2})
    assert verdict.status == "failed" and "V adds two logs" in verdict.message
    assert judge(RangeTest("v", high=0.0), {"v": -0.3}).passed


def test_range_rejects_infinite_value():
    assert judge(RangeTest("v", high=0.0), {"v": float("-inf")}).status == "failed"


def reference_square(x: torch.Tensor) -> torch.Tensor:
    return x**2


SQUARE = FunctionTest("square", reference=reference_square, inputs=[(torch.arange(3.0),), (torch.ones(2, 2),)])


def test_function_matching_reference_passes():
    assert judge(SQUARE, {"square": lambda x: x * x}).passed


def test_function_that_raises_reports_the_exception_and_input():
    def square(x):
        return x / 0 if isinstance(x, int) else 1 // 0

    verdict = judge(SQUARE, {"square": square})
    assert verdict.status == "failed"
    assert "your function raised ZeroDivisionError" in verdict.message
    assert "input 1 of 2" in verdict.message


def test_function_stub_is_not_implemented():
    def square(x):
        raise NotImplementedError

    verdict = judge(SQUARE, {"square": square})
    assert verdict.status == "not implemented" and "not implemented yet" in verdict.message


def test_function_wrong_values_names_the_input():
    verdict = judge(SQUARE, {"square": lambda x: x * 2})
    assert verdict.status == "failed" and "largest error" in verdict.message and "input 1 of 2" in verdict.message


def test_function_returning_an_always_equal_object_fails_on_type():
    verdict = judge(SQUARE, {"square": lambda x: AlwaysEqual()})
    assert verdict.status == "failed" and "got an AlwaysEqual" in verdict.message


def test_function_that_is_not_callable_fails():
    assert judge(SQUARE, {"square": 3.0}).status == "failed"


def test_function_cannot_change_the_inputs_the_reference_sees():
    def mutating(x):
        x.mul_(100)
        return x

    test = FunctionTest("f", reference=lambda x: x.clone(), inputs=[(torch.ones(2),)])
    assert judge(test, {"f": mutating}).status == "failed"
    assert judge(test, {"f": lambda x: x}).passed  # the inputs were not changed for later calls


def test_function_naive_log_sigmoid_gives_nan_or_inf_message():
    test = FunctionTest("v", reference=gan_value, inputs=[(torch.tensor([200.0, -200.0]), torch.tensor([0.0]))])
    naive = {"v": lambda r, f: torch.log(torch.sigmoid(r)).mean() + torch.log(1 - torch.sigmoid(f)).mean()}
    verdict = judge(test, naive)
    assert verdict.status == "failed" and "infinite value" in verdict.message


def test_choice_accepts_only_an_option_and_judges_it():
    test = ChoiceTest("a", options=("A", "B"), correct="B")
    assert judge(test, {"a": "B"}).passed
    assert "not the right option" in judge(test, {"a": "A"}).message
    assert judge(test, {"a": " b "}).passed  # case and spaces are not the point of the question
    assert "'E' is not one of the options" in judge(test, {"a": "E"}).message
    assert judge(test, {"a": AlwaysEqual()}).status == "failed"


def test_a_library_function_is_not_an_implementation():
    verdict = judge(FunctionTest("v", reference=gan_value, inputs=[(torch.zeros(2), torch.zeros(2))]), {"v": gan_value})
    assert verdict.status == "failed" and "course library's own `gan_value`: write your own" in verdict.message


def test_function_test_with_precomputed_outputs_holds_no_implementation():
    test = FunctionTest("f", inputs=[(2.0,), (3.0,)], outputs=[4.0, 9.0])
    assert judge(test, {"f": lambda x: x**2}).passed
    assert "input 2 of 2" in judge(test, {"f": lambda x: 2 * x}).message
    with pytest.raises(TypeError, match="either `reference` or `outputs`"):
        FunctionTest("f", inputs=[(2.0,)])
    with pytest.raises(TypeError, match="one output per input"):
        FunctionTest("f", inputs=[(2.0,)], outputs=[4.0, 9.0])


def test_an_endless_loop_becomes_a_verdict():
    def endless(x):
        while True:
            pass

    verdict = FunctionTest("f", inputs=[(1.0,)], outputs=[1.0], seconds_per_call=0.2).run({"f": endless})
    assert verdict.status == "failed" and "TimeoutError" in verdict.message and "endless loop" in verdict.message


def test_forgotten_return_and_errors_against_zero_are_explained():
    assert "did you forget a `return`?" in compare_values(to_plain(None), to_plain(1.0)).message
    message = compare_values(to_plain(np.array([0.5])), to_plain(np.array([0.0]))).message
    assert "largest error is 0.5" in message and "relative" not in message


def test_only_tests_against_the_right_answer_earn_points():
    assert ValueTest("x", expected=1.0).graded and FunctionTest("f", reference=abs).graded
    assert not RangeTest("x", high=0.0).graded
    assert not ChoiceTest("a", options=("A", "B")).graded and ChoiceTest("a", options=("A", "B"), correct="A").graded
    assert not SelectionTest("s", options=(1, 2)).graded and SelectionTest("s", options=(1, 2), correct={1}).graded


def test_public_choice_checks_form_only():
    assert judge(ChoiceTest("a", options=("A", "B")), {"a": "A"}).passed


def test_selection_compares_sets_and_rejects_duplicates_and_foreign_options():
    test = SelectionTest("s", options=(1, 2, 3, 4, 5), correct={1, 4, 5})
    assert judge(test, {"s": {5, 4, 1}}).passed
    assert judge(test, {"s": [1, 4, 5]}).passed
    assert judge(test, {"s": {1, 4}}).status == "failed"
    assert "appears twice" in judge(test, {"s": [1, 1, 4, 5]}).message
    assert "6 is not one of the options" in judge(test, {"s": {1, 6}}).message
    assert judge(test, {"s": AlwaysEqual()}).status == "failed"
    assert judge(test, {"s": {True, 4, 5}}).status == "failed"  # True == 1, but is not the option 1


def test_a_wrong_selection_hears_about_its_first_misjudged_option_only():
    hints = {1: "hint one", 2: "hint two", 3: "hint three", 4: "hint four"}
    test = SelectionTest("s", options=(1, 2, 3, 4), correct={1, 3}, feedback=hints)
    assert judge(test, {"s": {1, 3}}).passed
    ticked_a_wrong_one = judge(test, {"s": {1, 2, 3}}).message
    assert "option 2: hint two" in ticked_a_wrong_one
    missed_a_right_one = judge(test, {"s": {3}}).message
    assert "option 1: hint one" in missed_a_right_one
    everything_wrong = judge(test, {"s": {2, 4}}).message
    assert "hint one" in everything_wrong and not any(h in everything_wrong for h in ("hint two", "hint three", "hint four"))


def test_selection_feedback_must_name_real_options():
    with pytest.raises(ValueError, match="feedback for 7"):
        SelectionTest("s", options=(1, 2), correct={1}, feedback={7: "?"})


def test_a_one_item_list_is_not_described_as_items():
    assert to_plain([1.0]).describe() == "a list of 1 item" and to_plain([1.0, 2.0]).describe() == "a list of 2 items"


@pytest.mark.parametrize("value", [2 / 3, 0.12345, 1234.5, -0.0019999, 9.9996])
def test_a_digest_test_confirms_a_right_number_to_its_digits_without_holding_it(value):
    from course_lib.grading import DigestTest
    from course_lib.grading.checks import neighbour_digests

    test = DigestTest("v", digits=4, salt="q9", digests=neighbour_digests(value, 4, "q9"))
    assert judge(test, {"v": value}).passed and "to 4 significant digits" in judge(test, {"v": value}).message
    assert judge(test, {"v": value * (1 + 2e-5)}).passed and judge(test, {"v": value * (1 - 2e-5)}).passed  # either side of a boundary
    assert judge(test, {"v": value * 1.01}).status == "failed" and judge(test, {"v": -value}).status == "failed"
    assert judge(test, {"v": float("nan")}).status == "failed" and "Python float" in judge(test, {"v": "0.6667"}).message
    assert f"{value:.3e}" not in repr(test) and f"{value:.3e}"[:5] not in repr(test.digests)  # the digests do not show the value
    assert judge(DigestTest("v", digits=4, salt="other", digests=neighbour_digests(value, 4, "q9")), {"v": value}).status == "failed"


def test_to_plain_never_calls_an_unknown_object():
    class Explosive:
        def __getattribute__(self, name):
            raise RuntimeError("touched")

    plain = to_plain(Explosive())
    assert plain.kind == "other" and plain.type_name == "Explosive"


def test_compare_values_on_plain_arrays():
    assert compare_values(to_plain(np.ones(3)), to_plain(np.ones(3))).passed
    assert "expected a numpy.ndarray" in compare_values(to_plain([1.0, 1.0, 1.0]), to_plain(np.ones(3))).message


def test_tensor_subclass_is_not_trusted():
    class Sneaky(torch.Tensor):
        pass

    verdict = judge(ValueTest("x", expected=torch.zeros(2)), {"x": torch.zeros(2).as_subclass(Sneaky)})
    assert verdict.status == "failed" and "got a Sneaky" in verdict.message


def test_parameter_counts_as_a_tensor():
    assert judge(ValueTest("x", expected=torch.zeros(2)), {"x": torch.nn.Parameter(torch.zeros(2))}).passed


def test_function_returning_a_tuple_of_tensors_is_compared_item_by_item():
    reference = lambda x: (x * 2, {"total": x.sum(), "parts": [x, x + 1]})  # noqa: E731
    test = FunctionTest("f", reference=reference, inputs=[(torch.arange(3.0),)])
    assert judge(test, {"f": reference}).passed
    wrong = lambda x: (x * 2, {"total": x.sum(), "parts": [x, x + 2]})  # noqa: E731
    verdict = judge(test, {"f": wrong})
    assert not verdict.passed and "key 'parts'" in verdict.message and "item 1" in verdict.message and "values differ" in verdict.message
    as_list = lambda x: [x * 2, {"total": x.sum(), "parts": [x, x + 1]}]  # noqa: E731
    assert "expected a tuple of 2 items, got a list of 2 items" in judge(test, {"f": as_list}).message
    missing_key = lambda x: (x * 2, {"total": x.sum()})  # noqa: E731
    assert "expected a dict of 2 items" in judge(test, {"f": missing_key}).message


def test_function_test_rejects_an_output_type_it_cannot_compare_when_made():
    with pytest.raises(TypeError, match=r"expected output 1 is a str; outputs must be numbers, tensors, arrays"):
        FunctionTest("f", reference=lambda x: "text", inputs=[(1.0,)])
    with pytest.raises(TypeError, match=r"expected output 1 is a sequence|outputs must be"):
        FunctionTest("f", outputs=[[torch.zeros(1), object()]], inputs=[(1.0,)])


def test_check_unchanged_fails_a_function_that_modifies_its_input_in_place():
    test = FunctionTest("f", reference=lambda x: x * 2, inputs=[(torch.ones(3),)], check_unchanged=True)

    def in_place(x):
        x.mul_(2)
        return x

    verdict = judge(test, {"f": in_place})
    assert not verdict.passed and "changed its argument 1 in place" in verdict.message
    assert judge(test, {"f": lambda x: x * 2}).passed
    assert judge(FunctionTest("f", reference=lambda x: x * 2, inputs=[(torch.ones(3),)]), {"f": in_place}).passed  # off by default


def test_a_known_mistake_gets_its_own_hint_and_other_wrong_outputs_do_not():
    test = FunctionTest("f", outputs=[4.0, 9.0], inputs=[(2.0,), (3.0,)], misconceptions=[([4.0, 6.0], "did you double instead of squaring?")])
    assert judge(test, {"f": lambda x: x * x}).passed
    doubled = judge(test, {"f": lambda x: 2 * x}).message
    assert doubled.startswith("did you double instead of squaring?; values differ") and "input 2 of 2" in doubled
    assert "did you double" not in judge(test, {"f": lambda x: x + 1}).message
    with pytest.raises(TypeError, match="one output per input"):
        FunctionTest("f", outputs=[4.0], inputs=[(2.0,)], misconceptions=[([4.0, 6.0], "?")])


def test_a_partial_of_a_library_function_is_not_an_implementation():
    import functools

    test = FunctionTest("f", reference=gan_value, inputs=[(torch.zeros(2), torch.zeros(2))])
    verdict = judge(test, {"f": functools.partial(gan_value)})
    assert not verdict.passed and "course library's own" in verdict.message and verdict.voids_question


def test_a_long_wrong_choice_is_not_quoted_back_in_full():
    verdict = judge(ChoiceTest("a", options=("A", "B")), {"a": "X" * 10_000})
    assert "is not one of the options" in verdict.message and len(verdict.message) < 120


def test_a_function_that_calls_a_forbidden_library_function_is_told_so_in_check():
    from course_lib.gan import losses

    test = FunctionTest("f", outputs=[gan_value(torch.zeros(2), torch.zeros(2))], inputs=[(torch.zeros(2), torch.zeros(2))], forbidden=("course_lib.gan.losses.gan_value",))

    def wrapper(real, fake):
        try:
            return losses.gan_value(real, fake)
        except RuntimeError:
            return torch.tensor(-1.3862944)  # a wrapper that hides the tripwire still earns nothing

    verdict = judge(test, {"f": wrapper})
    assert not verdict.passed and verdict.voids_question and "the course library's own `gan_value`" in verdict.message
    assert judge(test, {"f": lambda r, f: torch.nn.functional.logsigmoid(r).mean() + torch.nn.functional.logsigmoid(-f).mean()}).passed
    assert losses.gan_value(torch.zeros(2), torch.zeros(2)).item() < 0  # the tripwire is gone afterwards
