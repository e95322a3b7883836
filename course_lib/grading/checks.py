"""Pure comparisons of a student's answer, held as plain data, against the expected one.

Nothing here runs student code or calls a method of a student's object: the answer has
already been turned into a :class:`Plain` (type name, shape, dtype, numbers) by
:func:`course_lib.grading.answers.to_plain`. So the sandboxed grader can probe the student's
notebook in a sandbox and call these same functions in the trusted process.

Every comparison goes type first, then shape and dtype, then NaN/inf, then tolerance, and
returns a :class:`Verdict` whose message names the first thing to fix without giving the
expected answer away.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

PASSED, FAILED, NOT_IMPLEMENTED, UNDECIDED = "passed", "failed", "not implemented", "could not decide"
NOT_IMPLEMENTED_MESSAGE = "not implemented yet"
# Every kind of Plain answer (see Plain's docstring); the grader rejects any other kind from a sandbox.
PLAIN_KINDS = frozenset(
    {"number", "tensor", "ndarray", "str", "sequence", "set", "mapping", "none", "ellipsis", "other", "missing", "raised", "library", "call"}
)
MAX_QUOTE = 40  # characters of a student's text quoted back in a message


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check: a status and a message a student can act on.

    ``status`` is one of ``passed``, ``failed``, ``not implemented`` or ``could not decide``
    (a symbolic answer that was neither proved nor refuted within its CPU budget: graded by hand).
    """

    status: str
    message: str = ""
    voids_question: bool = False  # the answer wraps the course's own reference: the whole question earns 0

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def __repr__(self) -> str:
        return f"Verdict({self.status}{': ' + self.message if self.message else ''})"


def passed(message: str = "") -> Verdict:
    return Verdict(PASSED, message)


def failed(message: str) -> Verdict:
    return Verdict(FAILED, message)


def not_implemented(message: str = NOT_IMPLEMENTED_MESSAGE) -> Verdict:
    return Verdict(NOT_IMPLEMENTED, message)


@dataclass(frozen=True)
class Plain:
    """A student's answer reduced to plain, trusted data (what a sandbox can send back).

    ``kind`` is one of: ``number`` (value: int or float), ``tensor`` or ``ndarray`` (value: a
    numpy array; ``dtype`` the original dtype's name, such as ``torch.float32``), ``str``,
    ``sequence`` or ``set`` (items: a tuple of Plain), ``mapping`` (a dict: value is the tuple of
    its keys, items their values), ``none``, ``ellipsis`` (the ``...`` placeholder of an unanswered
    question), or ``other`` (anything else: only its type name is kept). Probes add ``missing``
    (no such name), ``raised`` (the student's function raised: value is the message), ``library``
    (the answer is, or calls, the course's own reference) and ``call`` (one call of a function
    whose inputs must stay unchanged: items are the output and the inputs after the call).
    """

    kind: str
    type_name: str
    value: Any = None
    dtype: str | None = None
    items: tuple["Plain", ...] = field(default=())

    @property
    def shape(self) -> tuple[int, ...] | None:
        return tuple(self.value.shape) if isinstance(self.value, np.ndarray) else None

    def describe(self) -> str:
        """How the answer reads in a message: 'a torch.Tensor of shape (3,) and dtype torch.float64'."""
        if self.kind in ("tensor", "ndarray"):
            return f"a {self.type_name} of shape {self.shape} and dtype {self.dtype}"
        if self.kind in ("sequence", "set", "mapping"):
            return f"a {self.type_name} of {len(self.items)} item{'' if len(self.items) == 1 else 's'}"
        if self.kind == "none":
            return "None"
        article = "an" if self.type_name[:1].lower() in "aeiou" else "a"
        return f"{article} {self.type_name}"


# ---- numbers and tensors -------------------------------------------------------------------


def compare_values(actual: Plain, expected: Plain, rtol: float = 1e-5, atol: float = 1e-8) -> Verdict:
    """Compare a number, tensor or array answer with the expected one.

    Order: type, then shape, then dtype, then NaN/inf, then ``|actual - expected| <= atol + rtol·|expected|``.
    A Python ``int`` and ``float`` are both numbers; a tensor must be a ``torch.Tensor`` and an
    array a ``numpy.ndarray``.

    Example:
        >>> from course_lib.grading.answers import to_plain
        >>> compare_values(to_plain(0.5), to_plain(0.5000001)).status
        'passed'
        >>> compare_values(to_plain("0.5"), to_plain(0.5)).message
        'expected a number (a Python float), got a str'
    """
    if actual.kind == "ellipsis":
        return not_implemented()
    if actual.kind != expected.kind:
        return failed(f"expected {_expected_type(expected)}, got {actual.describe()}{_hint(actual, expected)}")
    if expected.kind in ("sequence", "mapping"):
        return _compare_nested(actual, expected, rtol, atol)
    if expected.kind in ("str", "none", "other"):  # compared by what they are: a model's mode, a text
        same = actual.type_name == expected.type_name and actual.value == expected.value
        return passed() if same else failed(f"expected {expected.describe()}, got {actual.describe()}")
    if expected.kind == "number":
        return _compare_arrays(np.asarray(actual.value, float), np.asarray(expected.value, float), rtol, atol)
    if actual.shape != expected.shape:
        return failed(f"expected shape {expected.shape}, got shape {actual.shape}")
    if actual.dtype != expected.dtype:
        return failed(f"expected dtype {expected.dtype}, got dtype {actual.dtype}")
    return _compare_arrays(actual.value, expected.value, rtol, atol)


def _compare_nested(actual: Plain, expected: Plain, rtol: float, atol: float) -> Verdict:
    """A list, tuple or dict answer: the same length (or keys), then each item as :func:`compare_values`."""
    if actual.type_name != expected.type_name or len(actual.items) != len(expected.items):
        return failed(f"expected {expected.describe()}, got {actual.describe()}")
    mine_items = actual.items
    if expected.kind == "mapping":
        if set(actual.value) != set(expected.value):
            missing = [key for key in expected.value if key not in actual.value]
            return failed(f"expected the keys {_listing(expected.value)}" + (f"; {_quote(missing[0])} is missing" if missing else ""))
        by_key = dict(zip(actual.value, actual.items))
        mine_items = tuple(by_key[key] for key in expected.value)
    labels = expected.value if expected.kind == "mapping" else range(len(expected.items))
    for label, mine, theirs in zip(labels, mine_items, expected.items):
        verdict = compare_values(mine, theirs, rtol, atol)
        if not verdict.passed:
            where = f"key {_quote(label)}" if expected.kind == "mapping" else f"item {label}"
            return Verdict(verdict.status, f"{where} of your {actual.type_name}: {verdict.message}")
    return passed()


def _quote(value: object) -> str:
    """A student's value, quoted and cut short: a message never echoes a long text back."""
    text = repr(value)
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 4] + "...'"


def _expected_type(expected: Plain) -> str:
    if expected.kind == "number":
        return "a number (a Python float)"
    if expected.kind in ("tensor", "ndarray"):
        return f"a {expected.type_name}"
    return expected.describe()


def _hint(actual: Plain, expected: Plain) -> str:
    if actual.kind == "none":
        return "; did you forget a `return`?"
    if expected.kind == "number" and actual.kind in ("tensor", "ndarray") and actual.shape in ((), (1,)):
        return "; call .item() on it to get a Python float"
    if expected.kind == "tensor" and actual.kind == "ndarray":
        return "; convert it with torch.from_numpy(...)"
    if expected.kind == "tensor" and actual.kind == "number":
        return "; return the tensor itself, without .item()"
    return ""


def _compare_arrays(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> Verdict:
    """Same-shape arrays: NaN/inf first, then the tolerance, naming the largest error and where it is."""
    actual, expected = actual.astype(np.float64), expected.astype(np.float64)
    bad = ~np.isfinite(actual) & np.isfinite(expected)
    if bad.any():
        where = _index(np.argwhere(bad)[0], actual.ndim)
        what = "NaN" if np.isnan(actual[bad]).any() else "an infinite value"
        return failed(f"your answer contains {what}{where}: look for log(0), 0/0 or an overflow")
    same = np.isclose(actual, expected, rtol=0, atol=0, equal_nan=True)  # matching inf or NaN too
    with np.errstate(invalid="ignore"):
        error = np.where(same, 0.0, np.abs(actual - expected))  # an ndarray, even for 0-d inputs
    allowed = atol + rtol * np.abs(np.where(np.isfinite(expected), expected, 0.0))  # no 0 * inf
    if (same | (error <= allowed)).all():
        return passed()
    worst = np.unravel_index(int(np.argmax(error - allowed)), error.shape) if error.ndim else ()
    scale = abs(float(expected[worst]))
    relative = f"relative {error[worst] / scale:.2g}; " if scale > 0 else ""  # no relative error against 0
    return failed(
        f"values differ: the largest error is {error[worst]:.3g}{_index(worst, error.ndim)} "
        f"({relative}allowed: rtol={rtol:g}, atol={atol:g})"
    )


def _index(index, ndim: int) -> str:
    return f" at index {tuple(int(i) for i in index)}" if ndim else ""


def _not_a_finite_number(actual: Plain) -> Verdict | None:
    """The verdict for an answer that is not a finite Python number (a stub, another type, NaN or inf); None if it is one."""
    if actual.kind == "ellipsis":
        return not_implemented()
    if actual.kind != "number":
        return failed(f"expected a number (a Python float), got {actual.describe()}{_hint(actual, Plain('number', 'float'))}")
    if not np.isfinite(float(actual.value)):
        return failed(f"your answer is {float(actual.value)}: look for log(0), 0/0 or an overflow")
    return None


def check_number_range(actual: Plain, low: float | None, high: float | None, why: str) -> Verdict:
    """A finite real number within [low, high]: a public check that does not reveal the value.

    Example:
        >>> from course_lib.grading.answers import to_plain
        >>> check_number_range(to_plain(0.3), None, 0.0, "V is at most 0").message
        'must be at most 0 (got 0.3): V is at most 0'
    """
    problem = _not_a_finite_number(actual)
    if problem:
        return problem
    value = float(actual.value)
    if low is not None and value < low:
        return failed(f"must be at least {low:g} (got {value:.4g}): {why}")
    if high is not None and value > high:
        return failed(f"must be at most {high:g} (got {value:.4g}): {why}")
    return passed()


def number_digest(value: float, digits: int, salt: str) -> str:
    """The salted SHA-256 (first 16 hex digits) of a number written to ``digits`` significant digits ('1.234e-01' for 0.12341 and 4).

    Example:
        >>> number_digest(0.12341, 4, "q5") == number_digest(0.12339, 4, "q5")
        True
    """
    return hashlib.sha256(f"{salt}|{float(value):.{digits - 1}e}".encode()).hexdigest()[:16]  # 64 bits: short enough to paste


def neighbour_digests(value: float, digits: int, salt: str) -> tuple[str, str, str]:
    """The digests of ``value`` to ``digits`` significant digits and of its two neighbours one unit away in the last digit.

    An answer right within its tolerance may round either side of a boundary; the three digests
    accept it. What an author pastes into a public test (computed once, outside the problem set).
    """
    exponent = math.floor(math.log10(abs(value))) if value else 0
    unit = 10.0 ** (exponent - digits + 1)  # one unit in the last kept digit
    rounded = round(value / unit) * unit
    return tuple(number_digest(rounded + k * unit, digits, salt) for k in (-1, 0, 1))


def check_digest(actual: Plain, digits: int, salt: str, digests: tuple[str, ...]) -> Verdict:
    """A finite number whose value to ``digits`` significant digits hashes to one of ``digests``: right, without the value in the test.

    Example:
        >>> from course_lib.grading.answers import to_plain
        >>> digests = neighbour_digests(2 / 3, 4, "q9")
        >>> check_digest(to_plain(0.66667), 4, "q9", digests).status, check_digest(to_plain(0.6), 4, "q9", digests).status
        ('passed', 'failed')
    """
    problem = _not_a_finite_number(actual)
    if problem:
        return problem
    value = float(actual.value)
    if number_digest(value, digits, salt) not in digests:
        return failed(f"your value does not match the right one to {digits} significant digits; give at least {digits} digits (or let Python compute it), then recheck the derivation")
    return passed(f"matches the right value to {digits} significant digits")


# ---- single choice and multiple selection ---------------------------------------------------


def check_choice(actual: Plain, options: tuple, correct: Any = None) -> Verdict:
    """A single choice: one of ``options`` (exactly, by type and value); right if it equals ``correct``.

    With ``correct=None`` (a public check) only the form is checked.

    Example:
        >>> from course_lib.grading.answers import to_plain
        >>> check_choice(to_plain("E"), ("A", "B", "C")).message
        "'E' is not one of the options 'A', 'B', 'C'"
    """
    if actual.kind == "ellipsis":
        return not_implemented()
    actual = _as_option(actual, options)
    problem = _not_an_option(actual, options)
    if problem:
        return failed(problem)
    if correct is not None and actual.value != correct:
        return failed("this is not the right option; reread the question and try again")
    return passed()


def check_selection(actual: Plain, options: tuple, correct: frozenset | None = None, feedback: dict | None = None) -> Verdict:
    """A multiple selection: a set (or list) of distinct options; right if it is exactly ``correct``.

    A wrong selection hears about its first misjudged option only (in the order of ``options``),
    with that option's hint from ``feedback`` if there is one: never the whole answer.

    Example:
        >>> from course_lib.grading.answers import to_plain
        >>> check_selection(to_plain({1, 3}), (1, 2, 3), correct=frozenset({1, 3})).status
        'passed'
        >>> check_selection(to_plain({1, 2}), (1, 2, 3), frozenset({1, 3}), {2: "is every point of it inside?"}).message
        'your selection is not the right one; start with option 2: is every point of it inside?'
    """
    if actual.kind == "ellipsis":
        return not_implemented()
    if actual.kind not in ("set", "sequence"):
        return failed(f"expected a set of options such as {{{options[0]!r}}}, got {actual.describe()}")
    items = [_as_option(item, options) for item in actual.items]
    for item in items:
        problem = _not_an_option(item, options)
        if problem:
            return failed(problem)
    chosen = [item.value for item in items]
    if len(set(chosen)) != len(chosen):
        return failed("an option appears twice in your selection; list each option once")
    if correct is not None and set(chosen) != set(correct):
        first = next(option for option in options if (option in chosen) != (option in correct))
        hint = (feedback or {}).get(first)
        if hint:
            return failed(f"your selection is not the right one; start with option {_quote(first)}: {hint}")
        return failed(f"your selection of {len(chosen)} option(s) is not the right one; check each statement on its own")
    return passed()


def _as_option(actual: Plain, options: tuple) -> Plain:
    """A text answer matched to its option regardless of case and surrounding spaces: 'b ' is 'B'."""
    if actual.kind != "str" or actual.value in options:
        return actual
    matches = [o for o in options if isinstance(o, str) and o.strip().casefold() == actual.value.strip().casefold()]
    return Plain("str", "str", matches[0]) if len(matches) == 1 else actual


def _not_an_option(actual: Plain, options: tuple) -> str:
    kinds = {"number" if isinstance(o, int) else "str" for o in options}
    if actual.kind not in kinds or actual.type_name not in ("int", "str"):
        return f"expected one of the options {_listing(options)}, got {actual.describe()}"
    if actual.value not in options:
        return f"{_quote(actual.value)} is not one of the options {_listing(options)}"
    return ""


def _listing(options: tuple) -> str:
    return ", ".join(repr(option) for option in options)
