"""Symbolic answers: parse a student's formula safely, then decide if it equals the expected one.

The student's text never reaches ``eval`` or ``sympify``. :func:`parse_expression` reads it
with ``ast.parse``, walks the tree against a whitelist (the question's symbols, numbers,
``+ - * / **``, and a few named functions), and builds the SymPy expression itself.
:func:`equivalent` then compares two expressions in a child process with a time limit: first
at random points (a counterexample settles "not equivalent"), then with ``simplify(a - b)``.

Example:
    >>> equivalent("1/(1 + exp(-l))", "exp(l)/(exp(l) + 1)", {"l": "real"}).status
    'equivalent'
"""

from __future__ import annotations

import ast
import math
import multiprocessing
import random
import time
from dataclasses import dataclass

import sympy

EQUIVALENT, NOT_EQUIVALENT, UNDECIDED = "equivalent", "not equivalent", "could not decide"
FUNCTIONS = {"log": sympy.log, "exp": sympy.exp, "sqrt": sympy.sqrt, "sin": sympy.sin, "cos": sympy.cos, "tanh": sympy.tanh}
CONSTANTS = {"pi": sympy.pi}
MAX_CHARS = 300  # a course answer is one line; long text only slows the parser down
MAX_NODES = 120  # about 40 operations: enough for any answer in the course
MAX_NUMBER = 10**6  # larger literals are not needed, and make powers explode
MAX_EXPONENT = 32  # x**32 is already more than any course formula needs
TIME_LIMIT_SECONDS = 1.5  # the whole comparison, so that a verdict comes within 2 s
NUM_POINTS = 8  # random points at which the two expressions must agree


class SymbolicError(ValueError):
    """The text is not an allowed expression. Its message says what to change."""


@dataclass(frozen=True)
class SymbolicVerdict:
    """``status`` is ``equivalent``, ``not equivalent`` or ``could not decide``; ``message`` says why."""

    status: str
    message: str


def parse_expression(text: object, symbols: dict[str, str]) -> sympy.Expr:
    """Build a SymPy expression from a student's text, through an AST whitelist.

    Args:
        text: the student's answer, e.g. ``"p / (p + p_G)"``.
        symbols: the names allowed, each with its SymPy assumption (``"positive"`` or ``"real"``).

    Raises:
        SymbolicError: naming the first thing that is not allowed (a name, an attribute,
        a call, a big exponent, ...), so that the student can rewrite it.

    Example:
        >>> parse_expression("p / (p + p_G)", {"p": "positive", "p_G": "positive"})
        p/(p + p_G)
    """
    if not isinstance(text, str):
        raise SymbolicError(f"write your expression as a string, like \"p / (p + p_G)\" (got a {type(text).__name__})")
    if len(text) > MAX_CHARS:
        raise SymbolicError(f"the expression is {len(text)} characters long; the answer needs far fewer than {MAX_CHARS}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        reason = getattr(error, "msg", error)
        raise SymbolicError(f"this is not a valid expression ({reason}); check the brackets and operators") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise SymbolicError("the expression is too long; simplify it before answering")
    allowed = {name: sympy.Symbol(name, **{assumption: True}) for name, assumption in symbols.items()}
    return _Builder(allowed, sorted(symbols)).visit(tree.body)


class _Builder(ast.NodeVisitor):
    """Turns a whitelisted AST into SymPy; any node without a ``visit_`` method is refused."""

    def __init__(self, symbols: dict[str, sympy.Symbol], names: list[str]):
        self.symbols, self.names = symbols, names

    def generic_visit(self, node: ast.AST):
        raise SymbolicError(_refusal(node))

    def visit_Name(self, node: ast.Name) -> sympy.Expr:
        if node.id in self.symbols:
            return self.symbols[node.id]
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        if node.id in FUNCTIONS:
            raise SymbolicError(f"`{node.id}` is a function: call it, as in {node.id}(x)")
        if node.id == "e":
            raise SymbolicError("unknown name `e`: write e**x as exp(x)")
        raise SymbolicError(f"unknown name `{node.id}`: use only {', '.join(self.names)} (and pi)")

    def visit_Constant(self, node: ast.Constant) -> sympy.Expr:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SymbolicError(f"only numbers may appear as constants (found {value!r})")
        if not math.isfinite(value) or abs(value) > MAX_NUMBER:
            raise SymbolicError(f"the number {value!r} is too large; no answer here needs numbers above {MAX_NUMBER:,}")
        return sympy.Integer(value) if isinstance(value, int) else sympy.Rational(repr(value))

    def visit_UnaryOp(self, node: ast.UnaryOp) -> sympy.Expr:
        if isinstance(node.op, ast.USub):
            return -self.visit(node.operand)
        if isinstance(node.op, ast.UAdd):
            return self.visit(node.operand)
        raise SymbolicError(_refusal(node))

    def visit_BinOp(self, node: ast.BinOp) -> sympy.Expr:
        if isinstance(node.op, ast.Pow):
            return self.visit(node.left) ** self._exponent(node.right)
        operations = {ast.Add: sympy.Add, ast.Sub: lambda a, b: a - b, ast.Mult: sympy.Mul, ast.Div: lambda a, b: a / b}
        if type(node.op) not in operations:
            raise SymbolicError(_refusal(node))
        return operations[type(node.op)](self.visit(node.left), self.visit(node.right))

    def _exponent(self, node: ast.AST) -> sympy.Expr:
        """Exponents are small numbers or fractions (2, -1, 1/2): never towers like 10**10**10."""
        is_fraction = isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)
        if not (_is_number(node) or (is_fraction and _is_number(node.left) and _is_number(node.right))):
            raise SymbolicError("an exponent must be a small number such as 2, -1 or 1/2 (found an expression there)")
        exponent = self.visit(node)
        if not exponent.is_finite:
            raise SymbolicError("the exponent divides by zero; write a number such as 2, -1 or 1/2")
        if abs(exponent) > MAX_EXPONENT:
            raise SymbolicError(f"the exponent {exponent} is too large; exponents up to {MAX_EXPONENT} are allowed")
        return exponent

    def visit_Call(self, node: ast.Call) -> sympy.Expr:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            shown = f"`{name}`" if name else "this call"
            raise SymbolicError(f"{shown} is not allowed; the functions you can use are {', '.join(FUNCTIONS)}")
        if node.keywords or len(node.args) != 1:
            raise SymbolicError(f"{name}(...) takes exactly one argument, as in {name}(x)")
        return FUNCTIONS[name](self.visit(node.args[0]))


def _is_number(node: ast.AST) -> bool:
    """A literal number, possibly with a sign: 2, -1, 0.5."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant)


def _refusal(node: ast.AST) -> str:
    """What is wrong with a node outside the whitelist, said in the student's terms."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor):
        return "`^` is not a power in Python: write x**2 for x squared"
    reasons = {
        ast.Attribute: "attribute access (a `.` after a name) is not allowed in an expression",
        ast.Lambda: "lambda is not allowed: write the expression itself",
        ast.Subscript: "indexing with [...] is not allowed in an expression",
        ast.Compare: "comparisons (==, <, ...) are not allowed: write the expression only",
        ast.Tuple: "write a single expression (found a tuple: is there a stray comma?)",
    }
    for kind, reason in reasons.items():
        if isinstance(node, kind):
            return reason
    return f"{type(node).__name__} is not allowed; use numbers, the question's symbols, + - * / ** and {', '.join(FUNCTIONS)}"


def equivalent(student: object, expected: str, symbols: dict[str, str], time_limit: float = TIME_LIMIT_SECONDS) -> SymbolicVerdict:
    """Decide whether the student's expression equals the expected one, within ``time_limit`` seconds.

    Both are parsed through the whitelist first (a refused student expression is "not
    equivalent", with the parser's message). The comparison runs in a child process that is
    killed at the time limit: random points first, then ``simplify(student - expected) == 0``.
    """
    try:
        student_expr = parse_expression(student, symbols)
    except SymbolicError as error:
        return SymbolicVerdict(NOT_EQUIVALENT, f"your expression was not accepted: {error}")
    expected_expr = parse_expression(expected, symbols)  # the instructor's: an error here is a bug
    return _compare_in_child(student_expr, expected_expr, symbols, time_limit)


def _compare_in_child(student: sympy.Expr, expected: sympy.Expr, symbols: dict[str, str], time_limit: float) -> SymbolicVerdict:
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_compare, args=(student, expected, symbols, sender), daemon=True)
    child.start()
    sender.close()
    messages: list[tuple[str, str]] = []
    deadline = time.monotonic() + time_limit
    try:
        while (remaining := deadline - time.monotonic()) > 0 and receiver.poll(remaining):
            messages.append(receiver.recv())
            if messages[-1][0] != "agrees":
                break
    except EOFError:  # the child died (out of memory, say) before answering
        pass
    finally:
        child.kill()
        child.join()
        receiver.close()
    return _verdict_from(messages)


def _verdict_from(messages: list[tuple[str, str]]) -> SymbolicVerdict:
    final = messages[-1] if messages else ("timeout", "")
    if final[0] == EQUIVALENT:
        return SymbolicVerdict(EQUIVALENT, "your expression is equivalent to the expected one")
    if final[0] == NOT_EQUIVALENT:
        return SymbolicVerdict(NOT_EQUIVALENT, final[1])
    if final[0] == "agrees":
        reason = f"it agrees with the expected expression at {NUM_POINTS} random points, but no proof was found in time"
    elif final[0] == "unproved":
        reason = f"it agrees with the expected expression at {NUM_POINTS} random points, but SymPy could not prove it"
    else:
        reason = "comparing it took too long; try a simpler form"
    return SymbolicVerdict(UNDECIDED, f"{reason}; it will be graded by hand")


def _compare(student: sympy.Expr, expected: sympy.Expr, symbols: dict[str, str], sender) -> None:
    """Child process: send ('not equivalent', why), or ('agrees', '') then ('equivalent'|'unproved', '')."""
    counterexample = _counterexample(student, expected, symbols)
    if counterexample:
        sender.send((NOT_EQUIVALENT, counterexample))
        return
    sender.send(("agrees", ""))
    difference = sympy.simplify(student - expected)
    if difference != 0:  # tanh, sin, cos written against exp: compare them all as exponentials
        difference = sympy.simplify((student - expected).rewrite(sympy.exp))
    sender.send((EQUIVALENT if difference == 0 else "unproved", ""))


def _counterexample(student: sympy.Expr, expected: sympy.Expr, symbols: dict[str, str]) -> str:
    """A point where the two expressions differ, described without the expected value; or ''."""
    rng = random.Random(0)
    for _ in range(NUM_POINTS):
        point = {sympy.Symbol(name, **{assumption: True}): _sample(rng, assumption) for name, assumption in symbols.items()}
        want, got = _evaluate(expected, point), _evaluate(student, point)
        if want is None:
            continue  # the expected expression is undefined here: no information
        if got is None or abs(got - want) > 1e-9 * max(1.0, abs(want)):
            where = ", ".join(f"{symbol} = {value:.3g}" for symbol, value in point.items())
            value = "is undefined or complex" if got is None else f"evaluates to {got:.4g}"
            return f"at {where} your expression {value}, which is not the expected value"
    return ""


def _sample(rng: random.Random, assumption: str) -> float:
    return round(rng.uniform(0.1, 3.0) if assumption == "positive" else rng.uniform(-3.0, 3.0), 3)


def _evaluate(expr: sympy.Expr, point: dict) -> float | None:
    try:
        value = complex(expr.evalf(30, subs=point))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if abs(value.imag) > 1e-12 or not math.isfinite(value.real):
        return None
    return value.real
