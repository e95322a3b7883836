"""Answer types: what a test reads from the student's notebook, and how it judges what it read.

Every test is split in two, so that the sandboxed grader can run the first half in a sandbox
and the second in the trusted process:

- ``probe(namespace)`` reads the student's variable, or calls the student's function on the
  inputs the grader picked, and returns plain data (:class:`~course_lib.grading.checks.Plain`);
- ``judge(probed)`` compares that data with the expected answer, computed from the reference
  implementation, using the pure functions of :mod:`course_lib.grading.checks`.

The answer types: :class:`ValueTest` (a number, tensor or array), :class:`RangeTest` (a public
check on a number that does not reveal it), :class:`FunctionTest` (a function, on inputs the
grader picks), :class:`ChoiceTest` and :class:`SelectionTest` (single choice, multiple
selection), and :class:`SymbolicTest` (a formula). Written proofs have no test: they are graded
by hand against the rubric in the solution.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import importlib
import itertools
import signal
import threading
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from course_lib.grading import symbolic
from course_lib.grading.checks import (
    FAILED,
    NOT_IMPLEMENTED_MESSAGE,
    UNDECIDED,
    Plain,
    Verdict,
    check_choice,
    check_digest,
    check_number_range,
    check_selection,
    compare_values,
    failed,
    not_implemented,
    passed,
)

MAX_ITEMS = 100  # a selection or list answer never needs more


def to_plain(obj: object) -> Plain:
    """Reduce any object to plain data, reading only exact built-in, numpy and torch types.

    Nothing of an unknown object is called (not even ``__eq__`` or ``__repr__``): only its type
    name is kept, so an object that claims to equal everything is still just "a Cheat".

    Example:
        >>> to_plain(torch.zeros(2)).describe()
        'a torch.Tensor of shape (2,) and dtype torch.float32'
    """
    kind = type(obj)
    if obj is Ellipsis:
        return Plain("ellipsis", "...")
    if obj is None:
        return Plain("none", "None")
    if kind in (int, float) or issubclass(kind, (np.integer, np.floating)):
        return Plain("number", _type_name(obj), _as_number(obj))
    if kind is str:
        return Plain("str", "str", obj[:10_000])
    if kind in (torch.Tensor, torch.nn.Parameter):  # exact types: a subclass could run code on .detach()
        array = obj.detach().cpu()
        array = array.float() if array.dtype == torch.bfloat16 else array
        return Plain("tensor", "torch.Tensor", array.resolve_conj().numpy().copy(), dtype=str(obj.dtype))
    if kind is np.ndarray and obj.dtype != object:
        return Plain("ndarray", "numpy.ndarray", obj.copy(), dtype=str(obj.dtype))
    if kind in (list, tuple, set, frozenset) and len(obj) <= MAX_ITEMS:
        items = sorted(obj, key=repr) if kind in (set, frozenset) and _all_plain_scalars(obj) else list(obj)
        return Plain("set" if kind in (set, frozenset) else "sequence", kind.__name__, items=tuple(map(to_plain, items)))
    if kind is torch.nn.Sequential:  # a model the grader sent: its mode and its weights must be left as they were found
        return Plain("other", f"torch.nn.Sequential in {'training' if obj.training else 'eval'} mode", _weights_fingerprint(obj))
    if kind is dict and len(obj) <= MAX_ITEMS and _all_plain_scalars(obj):
        return Plain("mapping", "dict", tuple(obj), items=tuple(to_plain(value) for value in obj.values()))
    return Plain("other", _type_name(obj))


def _weights_fingerprint(model: torch.nn.Module) -> str:
    """A digest of every parameter's and buffer's values, dtype and ``requires_grad`` flag: it changes if an answer touches the weights."""
    digest = hashlib.sha256()
    for name, tensor in itertools.chain(model.named_parameters(), model.named_buffers()):
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}:{tensor.requires_grad};".encode())
        digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:16]


def _type_name(obj: object) -> str:
    kind = type(obj)
    name = kind.__name__ if isinstance(kind.__name__, str) else "object"
    module = kind.__module__.split(".")[0] if isinstance(kind.__module__, str) else ""
    return f"{module}.{name}" if module in ("numpy", "torch") else name


def _as_number(number: object) -> int | float:
    """An exact int stays an int (options are ints); anything else becomes a float, inf if too large."""
    if type(number) is int and abs(number) < 2**63:
        return number
    try:
        return float(number)
    except OverflowError:
        return float("inf") if number > 0 else float("-inf")


def _all_plain_scalars(items) -> bool:
    return all(type(item) in (int, str) for item in items)


COMPARABLE_KINDS = ("number", "tensor", "ndarray", "sequence", "mapping")


def comparable(plain: Plain) -> bool:
    """Whether a FunctionTest can compare this output: numbers, arrays, tensors, and lists, tuples
    and dicts of them, nested."""
    return plain.kind in COMPARABLE_KINDS and all(comparable(item) for item in plain.items)


def missing(name: str) -> Plain:
    return Plain("missing", name)


def raised(error: BaseException) -> Plain:
    try:
        message = str(error)[:300]
    except Exception:  # an exception whose __str__ fails still gets reported by its type
        message = "(no message)"
    return Plain("raised", type(error).__name__, message)


def _read(namespace: dict, name: str) -> Plain:
    return to_plain(namespace[name]) if name in namespace else missing(name)


def _judge_probe(probed: Plain) -> Verdict | None:
    """The verdict for a probe that read nothing usable, or None to go on comparing."""
    if probed.kind == "missing":
        return not_implemented(f"`{probed.type_name}` is not defined: run the cell where you define it")
    if probed.kind == "ellipsis":
        return not_implemented(f"{NOT_IMPLEMENTED_MESSAGE}: replace `...` with your answer")
    if probed.kind == "raised" and probed.type_name == "NotImplementedError":
        return not_implemented(f"{NOT_IMPLEMENTED_MESSAGE}: replace `raise NotImplementedError` with your code")
    if probed.kind == "raised":
        return failed(f"your function raised {probed.type_name}: {probed.value}")
    return None


@dataclass(frozen=True)
class AnswerTest:
    """Base of all answer types: a student-facing ``name`` and the ``answer`` it reads."""

    answer: str

    @property
    def name(self) -> str:
        return self.title or self.default_title()

    def default_title(self) -> str:
        return f"`{self.answer}`"

    @property
    def graded(self) -> bool:
        """Whether the test compares with the right answer, and so earns points; a form check does not."""
        return True

    def probe(self, namespace: dict) -> Any:
        return _read(namespace, self.answer)

    def judge(self, probed: Any) -> Verdict:
        raise NotImplementedError

    def run(self, namespace: dict) -> Verdict:
        """Probe and judge in this process: what ``check()`` does in the student's kernel."""
        return self.judge(self.probe(namespace))


@dataclass(frozen=True)
class ValueTest(AnswerTest):
    """A number, tensor or array answer, equal to ``expected`` within ``rtol`` and ``atol``."""

    expected: Any = None
    rtol: float = 1e-5
    atol: float = 1e-8
    title: str = ""

    def judge(self, probed: Plain) -> Verdict:
        return _judge_probe(probed) or compare_values(probed, to_plain(self.expected), self.rtol, self.atol)


@dataclass(frozen=True)
class RangeTest(AnswerTest):
    """A finite number in [low, high]: a public check that does not give the value away."""

    low: float | None = None
    high: float | None = None
    why: str = ""
    title: str = ""

    graded = False  # a plausibility check: the value is judged by a hidden ValueTest

    def judge(self, probed: Plain) -> Verdict:
        return _judge_probe(probed) or check_number_range(probed, self.low, self.high, self.why)


@dataclass(frozen=True)
class DigestTest(AnswerTest):
    """A number confirmed to ``digits`` significant digits without its value in the source.

    The answer, written to ``digits`` significant digits, is hashed with ``salt`` and compared with
    ``digests`` (from ``checks.neighbour_digests(value, digits, salt)``, computed once by the author):
    a public check that says "right" without printing the value in the cell. (It hides the value from a
    reader, not from a search: someone who hashes every candidate number finds it.)
    """

    digits: int = 4
    salt: str = ""
    digests: tuple = ()
    title: str = ""

    def __post_init__(self) -> None:
        if not self.digests or not self.salt:
            raise TypeError(f"DigestTest({self.answer!r}) needs a salt and the digests of checks.neighbour_digests(value, digits, salt)")

    def judge(self, probed: Plain) -> Verdict:
        return _judge_probe(probed) or check_digest(probed, self.digits, self.salt, tuple(self.digests))


@dataclass(frozen=True)
class ChoiceTest(AnswerTest):
    """A single choice among ``options``; ``correct=None`` checks only that it is an option."""

    options: tuple = ()
    correct: Any = None
    title: str = ""

    @property
    def graded(self) -> bool:
        return self.correct is not None

    def judge(self, probed: Plain) -> Verdict:
        return _judge_probe(probed) or check_choice(probed, tuple(self.options), self.correct)


@dataclass(frozen=True)
class SelectionTest(AnswerTest):
    """A multiple selection: a set of ``options``; ``correct=None`` checks only its form.

    ``feedback`` maps an option to a hint on how to judge it. A wrong selection is told about its
    first misjudged option (in the order of ``options``) and that option's hint, and nothing about
    the others, so feedback never gives the whole answer away. Write hints that help either way
    (the student may have ticked the option or left it out).
    """

    options: tuple = ()
    correct: frozenset | None = None
    title: str = ""
    feedback: tuple = ()  # ((option, hint), ...); a dict is accepted and stored as pairs

    def __post_init__(self) -> None:
        feedback = tuple(self.feedback.items()) if isinstance(self.feedback, dict) else tuple(self.feedback)
        unknown = [option for option, _ in feedback if option not in self.options]
        if unknown:
            raise ValueError(f"feedback for {unknown[0]!r}, which is not one of the options {self.options!r}")
        object.__setattr__(self, "feedback", feedback)

    @property
    def graded(self) -> bool:
        return self.correct is not None

    def judge(self, probed: Plain) -> Verdict:
        correct = None if self.correct is None else frozenset(self.correct)
        return _judge_probe(probed) or check_selection(probed, tuple(self.options), correct, dict(self.feedback))


@dataclass(frozen=True)
class SymbolicTest(AnswerTest):
    """A formula given as a string, in ``symbols`` (name -> ``"positive"`` or ``"real"``).

    With ``expected=None`` (a public check) it only has to parse; otherwise it must be
    equivalent to ``expected``. "could not decide" is not a pass: it goes to hand grading.
    """

    symbols: dict = field(default_factory=dict)
    expected: str | None = None
    title: str = ""

    @property
    def graded(self) -> bool:
        return self.expected is not None

    def judge(self, probed: Plain) -> Verdict:
        early = _judge_probe(probed)
        if early:
            return early
        if probed.kind != "str":
            return failed(f'write your expression as a string, like "2 * x + 1" (got {probed.describe()})')
        if self.expected is None:
            try:
                symbolic.parse_expression(probed.value, self.symbols)
            except symbolic.SymbolicError as error:
                return failed(f"your expression was not accepted: {error}")
            return passed()
        verdict = symbolic.equivalent(probed.value, self.expected, self.symbols)
        if verdict.status == symbolic.EQUIVALENT:
            return passed(verdict.message)
        return Verdict(UNDECIDED, verdict.message) if verdict.status == symbolic.UNDECIDED else failed(verdict.message)


@dataclass(frozen=True)
class FunctionTest(AnswerTest):
    """A function, called on ``inputs`` (a list of argument tuples the grader picks) and
    compared output by output with ``reference`` (the course library's implementation), or
    with ``outputs``, one precomputed output per input: what a public test uses, so that the
    students' copy holds no implementation they could call.

    Outputs may be numbers, tensors, arrays, or lists, tuples and dicts of them (nested); the
    expected outputs are computed once, when the test is made, so an output of any other type
    is an authoring error raised right there. With ``check_unchanged=True`` the student's
    function must also leave its inputs as it found them. ``misconceptions`` lists known
    mistakes by the outputs they give, one per input: a wrong output equal to one of them is told
    that mistake's hint first (so the public inputs should be the ones that tell mistakes apart).
    """

    reference: Callable | None = None
    inputs: Sequence[tuple] = ()
    rtol: float = 1e-5
    atol: float = 1e-8
    title: str = ""
    outputs: Sequence | None = None
    seconds_per_call: float = 10.0  # an endless loop becomes a verdict, not a hung check()
    check_unchanged: bool = False  # fail a function that modifies its inputs in place
    forbidden: Sequence[str] = ()  # dotted names of library functions the answer may not call
    misconceptions: Sequence[tuple[Sequence, str]] = ()  # (the outputs a known mistake gives, one per input; the hint for it)

    def __post_init__(self):
        if (self.reference is None) == (self.outputs is None):
            raise TypeError(f"FunctionTest({self.answer!r}) takes either `reference` or `outputs`, not both or neither")
        if self.outputs is not None and len(self.outputs) != len(self.inputs):
            raise TypeError(f"FunctionTest({self.answer!r}) needs one output per input (got {len(self.outputs)} for {len(self.inputs)})")
        outputs = self.outputs if self.outputs is not None else [self.reference(*copy.deepcopy(args)) for args in self.inputs]
        expected = tuple(to_plain(output) for output in outputs)
        for number, plain in enumerate(expected):
            if not comparable(plain):
                raise TypeError(
                    f"FunctionTest({self.answer!r}): expected output {number + 1} is {plain.describe()}; outputs must be numbers, "
                    f"tensors, arrays, or lists, tuples and dicts of them"
                )
        object.__setattr__(self, "_expected", expected)
        for wrong_outputs, hint in self.misconceptions:
            if len(wrong_outputs) != len(self.inputs) or not isinstance(hint, str):
                raise TypeError(f"FunctionTest({self.answer!r}): each misconception is (one output per input, a hint)")
        object.__setattr__(self, "_misconceptions", tuple((tuple(map(to_plain, outputs)), hint) for outputs, hint in self.misconceptions))

    def expected_output(self, number: int) -> Plain:
        """The expected output on input ``number``, as plain data."""
        return self._expected[number]

    def default_title(self) -> str:
        return f"`{self.answer}` on {len(self.inputs)} input(s)"

    def probe(self, namespace: dict) -> Plain | tuple[Plain, ...]:
        """Call the student's function on a copy of each input; stop at the first exception."""
        function = namespace.get(self.answer)
        if function is None:
            return missing(self.answer)
        if not callable(function):
            return Plain("other", _type_name(function))
        library = library_name(function)
        if library:
            return Plain("library", library)
        return call_on_inputs(function, self.inputs, self.seconds_per_call, self.check_unchanged, forbidden=self.forbidden_functions())

    def forbidden_functions(self) -> list[tuple[str, str]]:
        """(module, qualified name) of each library function named in ``forbidden``."""
        return [tuple(name.rsplit(".", 1)) for name in self.forbidden]

    def judge(self, probed: Plain | tuple[Plain, ...]) -> Verdict:
        if isinstance(probed, Plain):
            if probed.kind == "library":
                return Verdict(FAILED, f"`{self.answer}` uses the course library's own `{probed.type_name}`: write your own implementation", True)
            early = _judge_probe(probed)
            return early or failed(f"`{self.answer}` must be a function (got {probed.describe()})")
        for number, (args, call) in enumerate(zip(self.inputs, probed)):
            where = f" (input {number + 1} of {len(self.inputs)}: {_describe_args(args)})"
            output, after = (call.items[0], call.items[1]) if call.kind == "call" else (call, None)
            if output.kind == "library":
                return Verdict(FAILED, f"`{self.answer}` calls the course library's own `{output.type_name}`: write your own implementation", True)
            early = _judge_probe(output)
            if early:
                return early if early.status != "failed" else failed(early.message + where)
            verdict = compare_values(output, self.expected_output(number), self.rtol, self.atol)
            if not verdict.passed:
                return Verdict(verdict.status, self._hint(output, number) + verdict.message + where)
            if after is not None:
                changed = _changed_argument(after, to_plain(tuple(args)))
                if changed:
                    return failed(f"`{self.answer}` {changed}{where}")
        return passed()


    def _hint(self, output: Plain, number: int) -> str:
        """The hint of the first known mistake that gives this very output on input ``number``, with a separator; else ''."""
        for wrong_outputs, hint in self._misconceptions:
            if compare_values(output, wrong_outputs[number], self.rtol, self.atol).passed:
                return f"{hint}; "
        return ""


def _changed_argument(after: Plain, before: Plain) -> str:
    """What the student's function changed in its arguments, with the fix; '' if nothing."""
    for number, (mine, original) in enumerate(zip(after.items, before.items), 1):
        if compare_values(mine, original, rtol=0.0, atol=0.0).passed:
            continue
        if original.type_name.startswith("torch.nn.Sequential") and mine.type_name == original.type_name:
            return (
                f"changed the model's weights or their requires_grad flags (argument {number}); leave the parameters alone, "
                f"and compute without gradients under `with torch.no_grad():` instead"
            )
        if original.type_name.startswith("torch.nn.Sequential"):
            return (
                f"left the model (argument {number}) in {mine.type_name.split(' in ')[-1]}, not in {original.type_name.split(' in ')[-1]} as it came: "
                f"save was_training = model.training first, and call model.train(was_training) at the end"
            )
        return f"changed its argument {number} in place; work on a copy (x = x.clone()), or write x = x + 1, not x += 1"
    return ""


def library_name(function: Callable) -> str:
    """The name of the course library function that ``function`` is (or a functools.partial of), else ''."""
    while isinstance(function, functools.partial):
        function = function.func
    function = getattr(function, "__func__", function)  # a bound method
    module = getattr(function, "__module__", "")
    if isinstance(module, str) and module.startswith("course_lib."):
        name = getattr(function, "__qualname__", "function")
        return name if isinstance(name, str) else "function"
    return ""


def call_on_inputs(
    function: Callable,
    inputs: Sequence[tuple],
    seconds_per_call: float,
    check_unchanged: bool = False,
    limit: Callable | None = None,
    forbidden: Sequence[tuple[str, str]] = (),
) -> tuple[Plain, ...] | Plain:
    """Call ``function`` on a copy of each input and reduce each output to plain data.

    Stops at the first exception (reported as a ``raised`` Plain). With ``check_unchanged``,
    each result is a ``call`` Plain holding the output and the arguments as they were after
    the call. If the function calls one of the ``forbidden`` library functions (module,
    qualified name), the whole result is one ``library`` Plain naming it. Shared by ``check()``
    in the student's kernel (``limit`` is :func:`time_limit`) and by the grader's sandbox (a
    CPU-time limit the student's code cannot switch off).
    """
    limit = limit or time_limit
    results = []
    with tripwires(forbidden) as tripped:
        for args in inputs:
            args = copy.deepcopy(args)
            try:
                with limit(seconds_per_call):
                    output = to_plain(function(*args))
            except Exception as error:  # the student's bug, reported as a verdict
                results.append(raised(error))
                break
            results.append(Plain("call", "call", items=(output, to_plain(tuple(args)))) if check_unchanged else output)
    return Plain("library", tripped[0]) if tripped else tuple(results)


@contextlib.contextmanager
def tripwires(forbidden: Sequence[tuple[str, str]]) -> Iterator[list[str]]:
    """While the block runs, the named course library functions raise when called, and say so.

    Their code object is swapped, so every alias reaches the tripwire: an import under another
    name, a ``functools.partial``, a default argument. Whatever the student's function does with
    the error, the call is recorded in the list this yields, and the question earns nothing.
    """
    tripped: list[str] = []
    swapped = []
    for module_name, qualname in forbidden:
        function = _resolve(module_name, qualname)
        if not isinstance(function, types.FunctionType) or function.__code__.co_freevars:
            continue
        marker = f"__course_tripwire_{len(swapped)}__"
        function.__globals__[marker] = _recorder(tripped, qualname)
        code = compile(f"def tripwire(*args, **kwargs):\n    {marker}()\n", "<tripwire>", "exec").co_consts[0]
        swapped.append((function, function.__code__))
        function.__code__ = code
    try:
        yield tripped
    finally:
        for function, code in swapped:
            function.__code__ = code


def _resolve(module_name: str, qualname: str):
    try:
        target = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
        return target
    except (ImportError, AttributeError):
        return None


def _recorder(tripped: list, qualname: str):
    def record():
        tripped.append(qualname)
        raise RuntimeError(f"the course library's {qualname} may not be used in this answer")

    return record


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeoutError in the block after ``seconds`` of wall time (Unix main thread; elsewhere no limit).

    For the student's own advisory ``check()``; the grader's sandbox limits CPU time instead.

    Example:
        >>> with time_limit(1.0):
        ...     sum(range(10))
        45
    """
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise TimeoutError(f"it took longer than {seconds:g} s on this input; look for an endless loop")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _describe_args(args: tuple) -> str:
    parts = [to_plain(arg) for arg in args]
    return ", ".join(f"shape {p.shape}" if p.shape is not None else p.describe() for p in parts)
