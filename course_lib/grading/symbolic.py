"""Symbolic answers: parse a student's formula safely, then decide if it equals the expected one.

The student's text never reaches ``eval`` or ``sympify``. :func:`parse_expression` reads it
with ``ast.parse``, walks the tree against a whitelist (the question's symbols, numbers,
``+ - * / **``, and a few named functions), and builds the SymPy expression itself.

:func:`equivalent` then compares two expressions within a budget of CPU time, never of wall
time, so that an answer gets the same verdict on an idle machine and on a busy one. The
comparison runs in a worker: a fresh Python interpreter that runs this file as a script
(``python -I symbolic.py``), so it imports only SymPy and the standard library, never forks a
process that holds torch's threads, and never runs a SymPy that the student's own kernel has
patched. It receives the two texts and re-parses them with the same whitelist; it tries random
points first (a counterexample settles "not equivalent"), then cheap rewritings of
``student - expected`` (``cancel``; the same after rewriting ``tanh``, ``sin`` and ``cos`` as
``exp``, after expanding or combining logarithms, after writing one density as a ratio of
another), and ``simplify`` last. The worker stays alive between comparisons and is started
again if it dies.

Example:
    >>> equivalent("1/(1 + exp(-l))", "exp(l)/(exp(l) + 1)", {"l": "real"}).status
    'equivalent'
"""

from __future__ import annotations

import _thread
import ast
import atexit
import contextlib
import itertools
import json
import math
import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import BinaryIO, Iterator

import sympy

try:
    import resource  # Unix only: the hard backstop on CPU time
except ImportError:  # Windows
    resource = None

EQUIVALENT, NOT_EQUIVALENT, UNDECIDED = "equivalent", "not equivalent", "could not decide"
FUNCTIONS = {"log": sympy.log, "exp": sympy.exp, "sqrt": sympy.sqrt, "sin": sympy.sin, "cos": sympy.cos, "tanh": sympy.tanh}
CONSTANTS = {"pi": sympy.pi}
MAX_CHARS = 300  # a course answer is one line; long text only slows the parser down
MAX_NODES = 120  # about 40 operations: enough for any answer in the course
MAX_NUMBER = 10**6  # larger literals are not needed, and make powers explode
MAX_EXPONENT = 32  # x**32 is already more than any course formula needs
MAX_DEGREE = 64  # ((p+1)**32 + 1)**32 is degree 1024: building it alone would take SymPy minutes and GBs
# CPU seconds (not wall seconds) per comparison, parsing included. Every correct form in the
# tests is decided in under 0.2 s of CPU, even by a worker that has just started, so 5 s leaves
# a 25x margin for slower laptops and unlucky forms, and an expression built to explode costs
# the grader at most 5 s.
CPU_BUDGET_SECONDS = 5.0
# Wall seconds the parent waits for one reply. Only a hang guard, for a worker that is stopped
# (SIGSTOP, a debugger) and so uses no CPU: it is never what decides a verdict.
HANG_GUARD_SECONDS = 60.0
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
        a call, a big exponent or degree, ...), so that the student can rewrite it.

    Example:
        >>> parse_expression("p / (p + p_G)", {"p": "positive", "p_G": "positive"})
        p/(p + p_G)
    """
    if not isinstance(text, str):
        raise SymbolicError(_not_a_string(text))
    if len(text) > MAX_CHARS:
        raise SymbolicError(f"the expression is {len(text)} characters long; the answer needs far fewer than {MAX_CHARS}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        implicit = re.search(r"(\d+(?:\.\d+)?)\s*([A-Za-z_(]\w*)", text)  # 2p, 2 p, 2(p + 1): a product without *
        if implicit and isinstance(error, SyntaxError):
            number, factor = implicit.groups()
            raise SymbolicError(f"`{implicit.group(0)}` needs a `*` to multiply: write {number}*{factor}") from None
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
            base, exponent = self.visit(node.left), self._exponent(node.right)
            degree = _degree(base) * abs(exponent)
            if degree > MAX_DEGREE:  # checked before SymPy builds the power, which is where it would explode
                raise SymbolicError(f"this power has degree up to {degree} once expanded; answers here need at most {MAX_DEGREE}: simplify it first")
            return base**exponent
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
        if isinstance(node.func, ast.Constant):  # 2(p + 1): a number used as a function
            raise SymbolicError(f"`{node.func.value!r}(...)` needs a `*` to multiply: write {node.func.value!r}*(...)")
        if name in self.symbols:  # p(1 - p): a symbol used as a function
            raise SymbolicError(f"`{name}(...)` reads as calling {name}; to multiply, write {name}*(...)")
        if name not in FUNCTIONS:
            shown = f"`{name}`" if name else "this call"
            raise SymbolicError(f"{shown} is not allowed; the functions you can use are {', '.join(FUNCTIONS)}")
        if node.keywords or len(node.args) != 1:
            raise SymbolicError(f"{name}(...) takes exactly one argument, as in {name}(x)")
        return FUNCTIONS[name](self.visit(node.args[0]))


def _not_a_string(text: object) -> str:
    return f"write your expression as a string, like \"p / (p + p_G)\" (got a {type(text).__name__})"


def _degree(expr: sympy.Expr) -> sympy.Rational:
    """An upper bound on the degree of ``expr`` once expanded, read off its (unexpanded) tree."""
    if expr.is_Symbol:
        return sympy.Integer(1)
    if expr.is_Mul:
        return sum(map(_degree, expr.args), sympy.Integer(0))
    if expr.is_Pow and expr.exp.is_Number:
        return _degree(expr.base) * abs(expr.exp)
    return max(map(_degree, expr.args), default=sympy.Integer(0))  # a sum, a function such as exp(x), or a number


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


def equivalent(student: object, expected: str, symbols: dict[str, str], cpu_budget: float = CPU_BUDGET_SECONDS) -> SymbolicVerdict:
    """Decide whether the student's expression equals the expected one, within ``cpu_budget`` CPU seconds.

    Everything happens in the worker, within the budget: both texts are parsed through the
    whitelist (a refused student expression is "not equivalent", with the parser's message),
    then compared at random points, then rewritings of ``student - expected`` are tried until
    one reaches 0. The worker stops at ``cpu_budget`` seconds of its own CPU time ("could not
    decide"), however busy the machine is.

    Args:
        student: the student's answer, e.g. ``"1 / (1 + p_G/p)"``.
        expected: the instructor's answer, e.g. ``"p / (p + p_G)"``.
        symbols: the names allowed, each with its SymPy assumption (``"positive"`` or ``"real"``).
        cpu_budget: CPU seconds for the comparison (positive).

    Returns:
        A :class:`SymbolicVerdict` whose message never shows the expected expression.

    Raises:
        SymbolicError: if ``expected`` is not an allowed expression (a bug in the question).
    """
    if not cpu_budget > 0:
        raise ValueError(f"cpu_budget must be a positive number of CPU seconds (got {cpu_budget!r}); the default is {CPU_BUDGET_SECONDS:g}")
    if not isinstance(student, str):  # only text goes to the worker
        return SymbolicVerdict(NOT_EQUIVALENT, f"your expression was not accepted: {_not_a_string(student)}")
    request = {"student": student, "expected": expected, "symbols": symbols, "cpu_budget": cpu_budget}
    return _verdict_from(_WORKER.ask(request), cpu_budget)


def _verdict_from(reply: dict, cpu_budget: float) -> SymbolicVerdict:
    """Turn the worker's reply (or the parent's note that the worker died) into a verdict."""
    status = reply["status"]
    if status == "expected refused":
        raise SymbolicError(f"the expected expression is not allowed, fix the question: {reply['message']}")
    if status == EQUIVALENT:
        return SymbolicVerdict(EQUIVALENT, "your expression is equivalent to the expected one")
    if status == NOT_EQUIVALENT:
        return SymbolicVerdict(NOT_EQUIVALENT, reply["message"])
    agrees = f"it agrees with the expected expression at {NUM_POINTS} random points, but"
    reasons = {
        "agrees": f"{agrees} no proof was found within the CPU budget ({cpu_budget:g} s)",
        "unproved": f"{agrees} SymPy could not prove it",
        "over budget": f"comparing it took more than the CPU budget ({cpu_budget:g} s); try a simpler form",
        "error": f"the checker failed on it ({reply.get('message', '')})",
    }
    reason = reasons.get(status, "the checker stopped before it could decide")
    return SymbolicVerdict(UNDECIDED, f"{reason}; it will be graded by hand")


# --- The parent's side: one persistent worker, shared by every thread -----------------------


class _Worker:
    """A ``python -I symbolic.py`` process that answers one JSON line per request line.

    Started on first use (fork+exec through ``subprocess``, never a bare fork), reused while it
    lives, and started again when it has died: killed by its CPU backstop (SIGXCPU), by the
    system, or by hand. A lock makes each request and its reply one step, whatever the thread.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._replies: queue.Queue = queue.Queue()

    def __repr__(self) -> str:
        return f"<symbolic worker: {f'pid {self.pid}' if self.pid else 'not running'}>"

    @property
    def pid(self) -> int | None:
        """The worker's process id while it runs, else None."""
        return self._process.pid if self._process and self._process.poll() is None else None

    def ask(self, request: dict) -> dict:
        """Send one request and return the reply; a worker killed from outside is replaced and asked again, once."""
        with self._lock:
            reply = self._ask_once(request)
            if reply["status"] == "died":  # not by its CPU backstop (that is "over budget"): by the system, or someone
                reply = self._ask_once(request)
            return reply

    def stop(self, grace_seconds: float = 1.0) -> None:
        """End the worker: close its stdin, so it exits by itself, or kill it after ``grace_seconds``."""
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            process.stdin.close()
        try:
            process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _forget_after_fork(self) -> None:
        """In a forked child: the worker and the lock belong to the parent. Close our copies of
        its pipes (raw pipes, with no lock a fork could inherit held), so that the worker still
        sees its stdin close when the parent exits."""
        if self._process is not None:
            for pipe in (self._process.stdin, self._process.stdout):
                with contextlib.suppress(OSError):
                    pipe.close()
        self._lock, self._process, self._replies = threading.Lock(), None, queue.Queue()

    def _ask_once(self, request: dict) -> dict:
        if self._process is None or self._process.poll() is not None:
            self._start()
        try:
            unsent = memoryview((json.dumps(request) + "\n").encode())
            while unsent:  # a raw pipe may take it in parts
                unsent = unsent[self._process.stdin.write(unsent) :]
            line = self._replies.get(timeout=HANG_GUARD_SECONDS)
        except BrokenPipeError:  # it had died since the last request
            line = None
        except queue.Empty:  # the hang guard: a running worker always answers within its CPU budget
            self.stop(grace_seconds=0)
            return {"status": "hung"}
        except BaseException:  # interrupted (Ctrl-C): its reply would come late, as the next request's
            self.stop(grace_seconds=0)
            raise
        if line is None:
            returncode = self._process.wait()
            self.stop()
            over_budget = resource is not None and returncode == -signal.SIGXCPU
            return {"status": "over budget" if over_budget else "died"}
        return json.loads(line)

    def _start(self) -> None:
        self.stop()
        command = [sys.executable, "-I", os.path.abspath(__file__)]  # -I: no PYTHONPATH, user site or cwd on sys.path
        # bufsize=0: raw pipes. A buffered reader holds a lock while it waits for a line, and a
        # fork of this process would inherit that lock held, so the child could never close it.
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self._replies = queue.Queue()
        threading.Thread(target=_forward_lines, args=(self._process.stdout, self._replies), daemon=True).start()
        try:
            ready = self._replies.get(timeout=HANG_GUARD_SECONDS)
        except queue.Empty:
            ready = None
        if ready is None:
            self.stop(grace_seconds=0)
            raise RuntimeError(f"the symbolic checker could not start: `{' '.join(command)}` did not answer (its error, if any, is printed above)")


def _forward_lines(stream: BinaryIO, replies: queue.Queue) -> None:
    """Reader thread: each line the worker writes goes into ``replies``; None marks its exit."""
    pending = b""
    with stream:
        while chunk := stream.read(65536):  # whatever has arrived, up to 64 kB
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                replies.put(line.decode())
    replies.put(None)


_WORKER = _Worker()
atexit.register(_WORKER.stop)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_WORKER._forget_after_fork)


# --- The worker's side: runs in the fresh interpreter ----------------------------------------


class _OverBudget(BaseException):
    """The comparison used its CPU budget. A BaseException, so that no ``except Exception`` in SymPy swallows it."""


def _serve() -> None:
    """The worker's loop: one JSON request per line on stdin, one JSON reply per line; exit when stdin closes."""
    replies, sys.stdout = sys.stdout, sys.stderr  # a stray print must not corrupt the replies
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the notebook interrupts the parent, which stops us
    if resource is not None:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a SIGXCPU kill leaves no core file behind

    def send(reply: dict) -> None:
        replies.write(json.dumps(reply) + "\n")
        replies.flush()

    send({"status": "ready"})  # SymPy is imported: the parent may start sending
    for line in sys.stdin:
        send(_reply_to(json.loads(line)))


def _reply_to(request: dict) -> dict:
    """Run the comparison within the CPU budget; reply with how far it got, and the CPU seconds used."""
    cpu_start, state = time.process_time(), ("over budget", "", "")
    try:
        with _cpu_budget(request["cpu_budget"]):
            for state in _comparison(request["student"], request["expected"], request["symbols"]):
                pass
    except _OverBudget:
        pass
    except Exception as error:  # a failure inside SymPy, or out of memory: say which
        state = ("error", f"{type(error).__name__}: {error}"[:200], "")
    cpu_seconds = round(time.process_time() - cpu_start, 3)
    sympy.core.cache.clear_cache()  # the next comparison starts afresh, and a huge expression is not kept
    status, message, proof = state
    return {"status": status, "message": message, "proof": proof, "cpu_seconds": cpu_seconds}


def _comparison(student_text: str, expected_text: str, symbols: dict[str, str]) -> Iterator[tuple[str, str, str]]:
    """The comparison step by step: each ``(status, message, proof)`` it yields is how far it got.

    Parse both texts; look for a counterexample at random points (that settles "not
    equivalent"); say "agrees"; then look for a proof, cheapest rewriting first.
    """
    try:
        student = parse_expression(student_text, symbols)
    except SymbolicError as error:
        yield NOT_EQUIVALENT, f"your expression was not accepted: {error}", ""
        return
    try:
        expected = parse_expression(expected_text, symbols)
    except SymbolicError as error:
        yield "expected refused", str(error), ""
        return
    counterexample = _counterexample(student, expected, symbols)
    if counterexample:
        yield NOT_EQUIVALENT, counterexample, ""
        return
    yield "agrees", "", ""
    proof = _proof(student - expected, symbols)
    yield (EQUIVALENT if proof else "unproved"), "", proof


@contextlib.contextmanager
def _cpu_budget(seconds: float) -> Iterator[None]:
    """Raise _OverBudget in the block once this process has used ``seconds`` more CPU time.

    ``ITIMER_PROF`` counts the process's CPU time, not the clock on the wall, and fires again
    every 50 ms in case SymPy swallows the first exception. ``RLIMIT_CPU``, 2 s above, is the
    backstop for time spent in C code that never returns to Python: SIGXCPU kills the worker.
    Windows has neither: a watchdog thread reads the process's CPU clock instead.
    """

    def over_budget(signum, frame):
        raise _OverBudget

    if resource is not None:
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = math.ceil(time.process_time() + seconds) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
    if hasattr(signal, "setitimer"):
        previous = signal.signal(signal.SIGPROF, over_budget)
        signal.setitimer(signal.ITIMER_PROF, seconds, 0.05)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, previous)
        return
    deadline, done = time.process_time() + seconds, threading.Event()

    def watch():
        while not done.wait(0.05):
            if time.process_time() > deadline:
                _thread.interrupt_main(signal.SIGTERM)

    previous = signal.signal(signal.SIGTERM, over_budget)
    threading.Thread(target=watch, daemon=True).start()
    try:
        yield
    finally:
        done.set()
        signal.signal(signal.SIGTERM, previous)


def _proof(difference: sympy.Expr, symbols: dict[str, str]) -> str:
    """The name of the first rewriting that takes ``student - expected`` to 0, or ''.

    Cheapest first: each of the first ones costs milliseconds on a course answer, while
    ``simplify`` tries everything and can take seconds, so it comes last.
    """
    positive = [sympy.Symbol(name, positive=True) for name, assumption in symbols.items() if assumption == "positive"]
    force = len(positive) == len(symbols)  # log(a*b) = log(a) + log(b) holds only when every symbol is positive
    ratio = sympy.Dummy("r", positive=True)

    def rational(expr):
        return sympy.cancel(sympy.together(expr))

    def exponentials(expr):  # tanh, sin and cos written against exp: compare them all as exponentials
        return expr.rewrite(sympy.exp)

    def factored(expr):  # one fraction, common factors pulled out: (p + p*p_G)/q -> p*(1 + p_G)/q
        return sympy.factor_terms(sympy.together(expr))

    def expanded_logs(expr):  # inside each log and root one factored fraction, so log(a*b/c) = log a + log b - log c
        expr = exponentials(expr).replace(sympy.log, lambda arg: sympy.log(factored(arg)))
        expr = expr.replace(lambda e: e.is_Pow and not e.exp.is_Integer, lambda e: factored(e.base) ** e.exp)
        return sympy.expand_log(expr, force=force)

    def combined_logs(expr):  # log a - 2 log b as one log(a/b**2), its argument cancelled (to 1, if they are equal)
        expr = sympy.logcombine(exponentials(expr), force=force)
        return expr.replace(sympy.log, lambda arg: sympy.log(rational(arg)))

    attempts = {
        "cancel": lambda: rational(difference),
        "cancel after rewriting as exp": lambda: rational(exponentials(difference)),
        "cancel after expanding logs": lambda: rational(expanded_logs(difference)),
        "cancel after combining logs": lambda: rational(combined_logs(difference)),
    }
    for a, b in itertools.combinations(positive, 2):  # a/b as one positive ratio r: a = r * b
        attempts[f"cancel with {a} = r*{b}"] = lambda a=a, b=b: rational(expanded_logs(difference.subs(a, ratio * b)))
    attempts["simplify"] = lambda: sympy.simplify(difference)
    attempts["simplify after rewriting as exp"] = lambda: sympy.simplify(exponentials(difference))
    for name, attempt in attempts.items():
        try:
            if attempt() == 0:
                return name
        except Exception:  # a rewriting SymPy cannot do here (or that runs out of memory): try the next
            continue
    return ""


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
    """The value of ``expr`` at ``point`` to 30 digits, or None where it is undefined or complex."""
    exact = {symbol: sympy.Rational(str(value)) for symbol, value in point.items()}  # the sampled 3-digit decimals
    try:
        value = complex(expr.xreplace(exact).evalf(30))  # 20x faster than evalf(subs=...) on tanh(log(p/p_G)/2)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if abs(value.imag) > 1e-12 or not math.isfinite(value.real):
        return None
    return value.real


if __name__ == "__main__":
    _serve()
