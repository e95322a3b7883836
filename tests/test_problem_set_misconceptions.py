"""The public checks of ps00–ps02 catch the mistakes their prompts warn about, and name them.

For each auto-graded question we write the wrong answers a student would write (the bugs its prompt
and notebook warn about), run the question's *public* tests on them, as ``check("qN")`` would, and
assert that the check does not say passed; where the check knows the misconception, its message must
carry the hint. The public tests are built the way the grader builds them: the source's
``public-tests`` cells, and only those, run after the grader's preamble.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from course_lib.grading.autograde import TEST_PREAMBLE
from course_lib.grading.inprocess import auto_points, run_cells
from course_lib.grading.markers import parse_problem_set
from course_lib.grading.registry import REGISTRY_NAME, run_question

ROOT = Path(__file__).resolve().parents[1]
SOURCES = {name: ROOT / "solutions" / f"{name}.py" for name in ("ps00_gan_game", "ps01_optimal_discriminator", "ps02_lipschitz")}
_PUBLIC_TESTS: dict[str, dict] = {}


def public_namespace(problem_set: str) -> dict:
    """A fresh namespace holding only the public tests of ``problem_set`` (built once, copied per use)."""
    if problem_set not in _PUBLIC_TESTS:
        parsed = parse_problem_set(SOURCES[problem_set])
        namespace: dict = {"__name__": "__public_tests__"}
        exec(compile(TEST_PREAMBLE, "<grader preamble>", "exec"), namespace)
        for index, cell in enumerate(parsed.notebook.cells):
            if parsed.roles[index] == "public-tests":
                exec(compile(cell.source, f"<{problem_set} public tests, cell {index}>", "exec"), namespace)
        _PUBLIC_TESTS[problem_set] = namespace
    namespace = dict(_PUBLIC_TESTS[problem_set])
    assert all(not tests["hidden"] for tests in namespace[REGISTRY_NAME].values())
    return namespace


def public_messages(problem_set: str, question: str, **answers) -> list[str]:
    """The messages of the public checks of ``question`` that fail on ``answers``; [] if they all pass."""
    namespace = public_namespace(problem_set)
    namespace.update(answers)
    results = run_question(namespace, question).results
    assert results and not any(result.hidden for result in results)
    return [result.verdict.message for result in results if not result.verdict.passed]


# ---- the wrong answers, one per known mistake --------------------------------------------------------------------


def _safe_ratio(top, total, where_both_zero):
    safe = torch.where(total > 0, total, torch.ones_like(total))
    return torch.where(total > 0, top / safe, torch.full_like(total, where_both_zero))


def _power_iteration(W, n_iters, u, transpose=True):
    u = u / u.norm()
    for _ in range(n_iters):
        v = W.T @ u if transpose else W @ u
        v = v / v.norm()
        u = W @ v
        u = u / u.norm()
    return float(u @ W @ v)


def _w1_by_sorted_pairs(x_real, x_fake):
    return float((x_real.sort().values - x_fake.sort().values).abs().mean())  # raises when the sizes differ


def _ks_distance(x_real, x_fake):
    pooled = torch.cat([x_real, x_fake]).sort().values
    cdf_real = torch.searchsorted(x_real.sort().values, pooled, right=True).double() / len(x_real)
    cdf_fake = torch.searchsorted(x_fake.sort().values, pooled, right=True).double() / len(x_fake)
    return float((cdf_real - cdf_fake).abs().max())


def _gaussian_d_star(x, mean_data, mean_gen, width):
    return torch.sigmoid(((x - mean_gen) ** 2 - (x - mean_data) ** 2) / (2 * width**2))


def _gaussian_pdf(x, mean, std):
    return torch.exp(-((x - mean) ** 2) / (2 * std**2)) / (std * math.sqrt(2 * math.pi))


# (problem set, question, {answer name: wrong answer}, the hint the message must carry, or None)
WRONG_ANSWERS = [
    # ps00 q1: log(sigmoid) underflows at |l| = 200; one mean over both batches when B != B'
    ("ps00_gan_game", "q1", {"value_function": lambda r, f: torch.log(torch.sigmoid(r)).mean() + torch.log(1 - torch.sigmoid(f)).mean()}, "underflows to log(0)"),
    ("ps00_gan_game", "q1", {"value_function": lambda r, f: 2 * torch.cat([F.logsigmoid(r), F.logsigmoid(-f)]).mean()}, "two means"),
    ("ps00_gan_game", "q1", {"value_function": lambda r, f: F.logsigmoid(r).sum() + F.logsigmoid(-f).sum()}, None),
    # ps00 q2: the same underflow, the two losses swapped, a sign
    ("ps00_gan_game", "q2", {"saturating_loss": lambda l: torch.log(1 - torch.sigmoid(l)).mean(), "non_saturating_loss": lambda l: -F.logsigmoid(l).mean()}, "underflow to log(0)"),
    ("ps00_gan_game", "q2", {"saturating_loss": lambda l: -F.logsigmoid(l).mean(), "non_saturating_loss": lambda l: -F.logsigmoid(l).mean()}, "this is the other loss"),
    ("ps00_gan_game", "q2", {"saturating_loss": lambda l: F.logsigmoid(-l).mean(), "non_saturating_loss": lambda l: -torch.log(torch.sigmoid(l)).mean()}, "underflow to log(0)"),
    ("ps00_gan_game", "q2", {"saturating_loss": lambda l: -F.logsigmoid(-l).mean(), "non_saturating_loss": lambda l: -F.logsigmoid(l).mean()}, "no minus sign"),
    ("ps00_gan_game", "q2", {"saturating_loss": lambda l: F.logsigmoid(-l).mean(), "non_saturating_loss": lambda l: F.logsigmoid(l).mean()}, "mind the sign"),
    # ps00 q3-q6: answers of the wrong form (a well-formed wrong answer is judged at grading)
    ("ps00_gan_game", "q3", {"value_example": math.log(0.9) - math.log(0.8)}, "at most 0"),
    ("ps00_gan_game", "q3", {"value_example": torch.tensor(-0.33)}, "Python float"),
    ("ps00_gan_game", "q4", {"answer_q4": "E"}, None),
    ("ps00_gan_game", "q4", {"answer_q4": 3}, None),
    ("ps00_gan_game", "q5", {"answer_q5": {1, 6}}, None),
    ("ps00_gan_game", "q6", {"dloss_dlogit": "-1/(1 + exp(x))"}, None),
    ("ps00_gan_game", "q6", {"dloss_dlogit": "-1/(1 + erf(l))"}, None),
    # ps01 q1 and q5, q6: the form
    ("ps01_optimal_discriminator", "q1", {"d_star_formula": "p / (p + q)"}, None),
    ("ps01_optimal_discriminator", "q5", {"value_at_optimum": -2.0}, "at least"),
    ("ps01_optimal_discriminator", "q5", {"value_at_optimum": math.nan}, None),
    ("ps01_optimal_discriminator", "q6", {"answer_q6": "AB"}, None),
    # ps01 q3: 0/0 where both densities are 0; an epsilon; p_G on top; the wrong dtype
    ("ps01_optimal_discriminator", "q3", {"optimal_d": lambda p, g: p / (p + g)}, "0 / 0 = NaN"),
    ("ps01_optimal_discriminator", "q3", {"optimal_d": lambda p, g: p / (p + g + 1e-8)}, "an epsilon in the denominator"),
    ("ps01_optimal_discriminator", "q3", {"optimal_d": lambda p, g: p / (p + g + 1e-12)}, "an epsilon in the denominator"),
    ("ps01_optimal_discriminator", "q3", {"optimal_d": lambda p, g: _safe_ratio(g, p + g, 0.5)}, "goes on top"),
    ("ps01_optimal_discriminator", "q3", {"optimal_d": lambda p, g: _safe_ratio(p, p + g, 0.5).double()}, "dtype"),
    ("ps01_optimal_discriminator", "q3", {"optimal_d": lambda p, g: _safe_ratio(p, p + g, 0.0)}, None),
    # ps01 q4: 0 log 0 = NaN; bits; the factors 1/2; KL(p || q); a tensor instead of a float
    ("ps01_optimal_discriminator", "q4", {"jsd": lambda p, q: float(0.5 * (p * torch.log(2 * p / (p + q))).sum() + 0.5 * (q * torch.log(2 * q / (p + q))).sum())}, "0 log 0"),
    ("ps01_optimal_discriminator", "q4", {"jsd": lambda p, q: float(0.5 * torch.special.xlogy(p, 2 * p / (p + q)).sum() + 0.5 * torch.special.xlogy(q, 2 * q / (p + q)).sum()) / math.log(2)}, "in bits"),
    ("ps01_optimal_discriminator", "q4", {"jsd": lambda p, q: float(torch.special.xlogy(p, 2 * p / (p + q)).sum() + torch.special.xlogy(q, 2 * q / (p + q)).sum())}, "factors 1/2"),
    ("ps01_optimal_discriminator", "q4", {"jsd": lambda p, q: float(torch.special.xlogy(p, p / q).sum())}, "KL(p || q)"),
    ("ps01_optimal_discriminator", "q4", {"jsd": lambda p, q: 0.5 * torch.special.xlogy(p, 2 * p / (p + q)).sum() + 0.5 * torch.special.xlogy(q, 2 * q / (p + q)).sum()}, "Python float"),
    # ps02 q2: the form
    ("ps02_lipschitz", "q2", {"composition_bound": -2.1}, "at least 0"),
    # ps02 q3: the exact SVD; one iteration too many; no transpose; ignoring n_iters
    ("ps02_lipschitz", "q3", {"power_iteration": lambda W, k, u: float(torch.linalg.matrix_norm(W, 2))}, "converged largest singular value"),
    ("ps02_lipschitz", "q3", {"power_iteration": lambda W, k, u: _power_iteration(W, k + 1, u)}, "one iteration more"),
    ("ps02_lipschitz", "q3", {"power_iteration": lambda W, k, u: _power_iteration(W, k, u, transpose=False)}, "with the transpose"),
    ("ps02_lipschitz", "q3", {"power_iteration": lambda W, k, u: _power_iteration(W, 5, u)}, None),
    # ps02 q4: the norm over dim 1 only (notebook 05's bug); one norm for the batch; an epsilon inside the root; float32
    ("ps02_lipschitz", "q4", {"penalty_from_gradients": lambda g, lam: lam * ((g.norm(dim=1) - 1) ** 2).mean()}, "your norm runs over dim 1 only"),
    ("ps02_lipschitz", "q4", {"penalty_from_gradients": lambda g, lam: lam * (g.norm() - 1) ** 2}, "one norm over the whole batch"),
    ("ps02_lipschitz", "q4", {"penalty_from_gradients": lambda g, lam: lam * ((((g.flatten(1) ** 2).sum(1) + 1e-12).sqrt() - 1) ** 2).mean()}, "an epsilon inside the square root"),
    ("ps02_lipschitz", "q4", {"penalty_from_gradients": lambda g, lam: lam * ((((g.flatten(1) ** 2).sum(1) + 1e-8).sqrt() - 1) ** 2).mean()}, "an epsilon inside the square root"),
    ("ps02_lipschitz", "q4", {"penalty_from_gradients": lambda g, lam: (lam * ((g.flatten(1).norm(dim=1) - 1) ** 2).mean()).float()}, "dtype"),
    # ps02 q5, q6: the form
    ("ps02_lipschitz", "q5", {"answer_q5": "Z"}, None),
    ("ps02_lipschitz", "q6", {"answer_q6": ["C"]}, None),
    # ps02 q7: the distance between the means; the KS distance; pairing as given; sorted pairs (sizes must agree)
    ("ps02_lipschitz", "q7", {"wasserstein_1d": lambda a, b: abs(float(a.mean() - b.mean()))}, "distance between the means"),
    ("ps02_lipschitz", "q7", {"wasserstein_1d": _ks_distance}, "Kolmogorov–Smirnov"),
    ("ps02_lipschitz", "q7", {"wasserstein_1d": lambda a, b: float((a - b).abs().mean())}, "in the order given"),
    ("ps02_lipschitz", "q7", {"wasserstein_1d": _w1_by_sorted_pairs}, "raised"),
    # ps02 q8: the original GAN's D*; 0/0; the labels swapped; the GAN's 1/2 where both densities are 0
    ("ps02_lipschitz", "q8", {"lsgan_optimal_d": lambda p, g: _safe_ratio(p, p + g, 0.5)}, "original GAN's D*"),
    ("ps02_lipschitz", "q8", {"lsgan_optimal_d": lambda p, g: (p - g) / (p + g)}, "divides 0 by 0"),
    ("ps02_lipschitz", "q8", {"lsgan_optimal_d": lambda p, g: _safe_ratio(g - p, p + g, 0.0)}, "mind the labels"),
    ("ps02_lipschitz", "q8", {"lsgan_optimal_d": lambda p, g: _safe_ratio(p - g, p + g, 0.5)}, "midpoint of LSGAN's labels"),
    # ps02 q9, q11: the range (2 C(G) <= 2; a JSD <= log 2)
    ("ps02_lipschitz", "q9", {"lsgan_divergence": 3.0}, "at most 2"),
    ("ps02_lipschitz", "q11", {"noisy_jsd": 0.8}, "at most"),
    # ps02 q10: standard deviations added; the noise forgotten; the densities divided
    ("ps02_lipschitz", "q10", {"noisy_optimal_d": lambda x, md, mg, s, ns: _gaussian_d_star(x, md, mg, s + ns)}, "adds variances, not standard deviations"),
    ("ps02_lipschitz", "q10", {"noisy_optimal_d": lambda x, md, mg, s, ns: _gaussian_d_star(x, md, mg, s)}, "ignores the noise"),
    (
        "ps02_lipschitz",
        "q10",
        {"noisy_optimal_d": lambda x, md, mg, s, ns: (lambda p, g: p / (p + g))(_gaussian_pdf(x, md, math.hypot(s, ns)), _gaussian_pdf(x, mg, math.hypot(s, ns)))},
        "both densities underflow",
    ),
]


@pytest.mark.parametrize(
    "problem_set, question, answers, hint", WRONG_ANSWERS, ids=[f"{ps[:4]}-{q}-{i}" for i, (ps, q, _, _) in enumerate(WRONG_ANSWERS)]
)
def test_public_check_rejects_the_wrong_answer_and_names_the_mistake(problem_set, question, answers, hint):
    messages = public_messages(problem_set, question, **answers)
    assert messages, f"{problem_set} {question}: the public check passed a wrong answer"
    if hint is not None:
        assert any(hint in message for message in messages), messages


@pytest.mark.parametrize("problem_set", sorted(SOURCES))
def test_every_auto_graded_question_has_a_wrong_answer_here(problem_set):
    covered = {question for name, question, _, _ in WRONG_ANSWERS if name == problem_set}
    assert covered == set(auto_points(parse_problem_set(SOURCES[problem_set])))


@pytest.mark.parametrize("problem_set", sorted(SOURCES))
def test_public_checks_pass_the_solution(problem_set):
    """The other half of each test above: the same public checks pass the right answers."""
    solution, _ = run_cells(parse_problem_set(SOURCES[problem_set]).notebook, problem_set)
    for question in auto_points(parse_problem_set(SOURCES[problem_set])):
        namespace = public_namespace(problem_set)
        namespace.update({name: value for name, value in solution.items() if not name.startswith("_") and name != REGISTRY_NAME})
        results = run_question(namespace, question).results
        assert all(result.verdict.passed for result in results), (question, [r.verdict.message for r in results])


def test_misconception_hints_point_to_a_notebook_section():
    """Each FunctionTest hint that names a notebook names a section that exists there."""
    pointers = 0
    for problem_set in SOURCES:
        namespace = public_namespace(problem_set)
        for tests in namespace[REGISTRY_NAME].values():
            for test in tests["public"]:
                for _, hint in getattr(test, "misconceptions", ()):
                    for number, section in re.findall(r"notebook (\d\d), section (\d+)", hint):
                        notebook = next((ROOT / "notebooks").glob(f"{number}_*.py")).read_text()
                        assert f"# ## {section}. " in notebook, (problem_set, hint)
                        pointers += 1
    assert pointers >= 10


def test_choice_answers_vary_across_the_gan_problem_sets():
    letters = []
    for problem_set in SOURCES:
        parsed = parse_problem_set(SOURCES[problem_set])
        for index, cell in enumerate(parsed.notebook.cells):
            if parsed.roles[index] == "hidden-tests" and "ChoiceTest(" in cell.source:
                letters += re.findall(r'correct="([A-D])"', cell.source)
    assert len(letters) >= 4 and len(set(letters)) >= 3, letters

