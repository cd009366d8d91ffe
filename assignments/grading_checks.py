"""What the hidden tests use: limits on a submitted function, and checks whose failures name the mistake.

This file goes into the autograder only (otter's ``autograder_files``), never to students. Each
hidden test in an assignment notebook calls a student's function through :func:`call` and compares
the result with gmmlib on the student's own data (from :mod:`assignment_data` and the notebook's
``seed``). When they differ, :func:`expect` tries the typical mistakes one by one and reports the
first that reproduces the student's numbers, in the language of the equations.
"""

import contextlib
import dis
import importlib
import io
import os
import signal
import threading
import time
import types

import numpy as np
from scipy.special import softmax

import gmmlib

#: Seconds one call of a submitted function may take (the grader passes a value through the environment).
CALL_TIME_LIMIT = float(os.environ.get("GRADING_CALL_TIME_LIMIT", "20"))
#: Characters one call of a submitted function may print.
OUTPUT_LIMIT = int(os.environ.get("GRADING_OUTPUT_LIMIT", "1000000"))
#: The packages a numpy-only function may use (checked by :func:`expect_numpy_only`).
ALLOWED_PACKAGES = {"numpy", "math", "builtins", "functools", "itertools"}
#: Relative tolerance of a match with the reference (rounding differs between equivalent formulas).
RTOL = 1e-7


class GradingLimitExceeded(BaseException):
    """A submitted function ran too long or printed too much.

    A ``BaseException``, so that a submission's ``except Exception:`` does not swallow it; the grader
    turns it into a failed test (an ``AssertionError``) where the student's code returns.
    """


# Limits ---------------------------------------------------------------------------------------

_stopped = {}  # code object -> message, for functions already stopped once (not run again)
_substitutes = set()  # names of the notebook functions that substituted() has replaced for now


class _BoundedOutput(io.TextIOBase):
    """A text stream that refuses more than ``OUTPUT_LIMIT`` characters."""

    def __init__(self, name):
        self.name, self.size = name, 0

    def writable(self):
        return True

    def write(self, text):
        self.size += len(text)
        if self.size > OUTPUT_LIMIT:
            raise GradingLimitExceeded(
                f"{self.name} printed more than {OUTPUT_LIMIT:,} characters when called; remove the print "
                "from inside its loop"
            )
        return len(text)


@contextlib.contextmanager
def time_limit(seconds, message):
    """Raise :class:`GradingLimitExceeded` in the main thread after ``seconds`` (and every 0.5 s after that).

    An outer timer (the grader's limit per notebook cell) is suspended meanwhile and resumed with
    the time that remains, unless it would expire first, in which case it is left alone.
    """
    outer_remaining = signal.getitimer(signal.ITIMER_REAL)[0]
    if threading.current_thread() is not threading.main_thread() or (0 < outer_remaining <= seconds):
        yield
        return

    def expire(signum, frame):
        signal.setitimer(signal.ITIMER_REAL, 0.5)  # again, if the function swallows the exception
        raise GradingLimitExceeded(message)

    previous_handler = signal.signal(signal.SIGALRM, expire)
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if outer_remaining > 0:
            signal.setitimer(signal.ITIMER_REAL, max(outer_remaining - (time.monotonic() - start), 1e-3))


def call(name, function, *args, **kwargs):
    """``function(*args, **kwargs)`` within the time and output limits; ``name`` is what the student called it.

    Fails at once if ``function`` calls gmmlib or scikit-learn (:func:`expect_own_work`; the correct
    functions :func:`substituted` for the student's own are not followed). A function stopped once for
    running too long is not run again: later calls fail at once with the same message.
    """
    if function is None:
        raise AssertionError(f"{name} is not defined: run the cell that defines it, and keep its name")
    if not callable(function):
        raise AssertionError(f"{name} must be a function, got {type(function).__name__}")
    expect_own_work(name, function, graded_alone=_substitutes)
    code = getattr(function, "__code__", None)
    if code in _stopped:
        raise AssertionError(_stopped[code])
    message = f"{name} did not return within {CALL_TIME_LIMIT:g} s, so the grader stopped it (an endless loop?)"
    output = _BoundedOutput(name)
    try:
        with (
            time_limit(CALL_TIME_LIMIT, message),
            contextlib.redirect_stdout(output),
            contextlib.redirect_stderr(output),
        ):
            return function(*args, **kwargs)
    except GradingLimitExceeded as error:
        if str(error) == message and code is not None:
            _stopped[code] = message
        raise AssertionError(str(error)) from None  # a failed test for otter, which catches Exception only


@contextlib.contextmanager
def substituted(env, **functions):
    """Put correct ``functions`` into the notebook's namespace ``env`` for the duration (grading one function alone)."""
    missing = object()
    saved = {name: env.get(name, missing) for name in functions}
    env.update(functions)
    _substitutes.update(functions)
    try:
        yield
    finally:
        _substitutes.difference_update(functions)
        for name, value in saved.items():
            if value is missing:
                env.pop(name, None)
            else:
                env[name] = value


# Comparisons ----------------------------------------------------------------------------------


def as_array(value, shape, what):
    """``value`` as a float array of the given shape, else a failure saying what was expected."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} must be a numeric array of shape {shape}, got {type(value).__name__}") from None
    if array.shape != tuple(shape):
        raise AssertionError(f"{what} must have shape {tuple(shape)}, got shape {array.shape}")
    return array


def as_tuple(value, length, what):
    """``value`` as a tuple of ``length`` items, else a failure saying what was expected."""
    if not isinstance(value, (tuple, list)) or len(value) != length:
        got = f"{len(value)} items" if isinstance(value, (tuple, list)) else type(value).__name__
        raise AssertionError(f"{what} must be a tuple of {length} items, got {got}")
    return tuple(value)


def as_float(value, what):
    """``value`` as a Python float, else a failure."""
    if np.ndim(value) != 0:
        raise AssertionError(f"{what} must be one number (a float), got shape {np.shape(value)}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} must be a number, got {type(value).__name__}") from None


def matches(value, reference, rtol=RTOL):
    """Same shape, finite where the reference is, and equal to ``rtol`` of the reference's scale."""
    value, reference = np.asarray(value, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    if value.shape != reference.shape or not np.array_equal(np.isfinite(value), np.isfinite(reference)):
        return False
    finite = np.isfinite(reference)
    if not finite.any():
        return True
    scale = max(float(np.max(np.abs(reference[finite]))), 1e-300)
    return bool(np.allclose(value[finite], reference[finite], rtol=rtol, atol=rtol * scale))


def largest_difference(value, reference):
    difference = np.abs(np.asarray(value, dtype=np.float64) - np.asarray(reference, dtype=np.float64))
    return float(np.nanmax(difference)) if np.isfinite(difference).any() else float("nan")


def expect(value, reference, mistakes, otherwise, rtol=RTOL):
    """Pass if ``value`` matches ``reference``; else fail with the message of the first mistake it reproduces.

    Parameters
    ----------
    value, reference : array-like
    mistakes : dict of str to array-like
        ``{feedback: what that mistake gives}``, tried in order.
    otherwise : str
        The feedback when no listed mistake explains ``value``; the value and the expected one are
        appended for a number, the largest difference for an array.
    """
    if matches(value, reference, rtol):
        return
    for message, result in mistakes.items():
        with np.errstate(all="ignore"):
            if result is not None and matches(value, result, rtol):
                raise AssertionError(message)
    if np.ndim(value) == 0 and np.ndim(reference) == 0:
        raise AssertionError(f"{otherwise} (got {float(value):.6g}, expected {float(reference):.6g})")
    raise AssertionError(
        f"{otherwise} (largest difference from the expected values: {largest_difference(value, reference):.3g})"
    )


# Notebook 02's perturbation check -------------------------------------------------------------


def q_function(X, resp, weights, means, covariances):
    """``Q(theta, theta_old) = sum_ik gamma_ik [log pi_k + log N(x_i | mu_k, Sigma_k)]``, gamma from theta_old."""
    return float(np.sum(resp * gmmlib.log_weighted_densities(X, weights, means, covariances)))


def _cholesky_coordinates(covariances):
    lower = np.linalg.cholesky(covariances)
    rows, columns = np.tril_indices(covariances.shape[-1])
    lower[..., np.arange(covariances.shape[-1]), np.arange(covariances.shape[-1])] = np.log(
        np.diagonal(lower, axis1=-2, axis2=-1)
    )
    return lower[..., rows, columns].ravel()


def _covariances_from_coordinates(coordinates, n_components, n_features):
    rows, columns = np.tril_indices(n_features)
    lower = np.zeros((n_components, n_features, n_features))
    lower[:, rows, columns] = coordinates.reshape(n_components, -1)
    diagonal = np.arange(n_features)
    lower[:, diagonal, diagonal] = np.exp(lower[:, diagonal, diagonal])
    return lower @ np.swapaxes(lower, 1, 2)


def largest_gain(objective, point, scale, rng, n_perturbations=64):
    """The largest increase of ``objective`` over random steps of lengths ``scale * 1e-4 .. scale * 1e-1``.

    Negative when every small change lowers the objective, as at a maximiser.
    """
    base = objective(point)
    directions = rng.standard_normal((n_perturbations, point.size))
    directions *= (scale * 10 ** rng.uniform(-4, -1, n_perturbations) / np.linalg.norm(directions, axis=1))[:, None]
    return max(objective(point + step) - base for step in directions)


def q_gain(X, resp, theta, block, seed):
    """How much a small change of one block (``"weights"``, ``"means"`` or ``"covariances"``) of ``theta`` raises Q.

    The change is made in coordinates that keep the parameters valid, as in notebook 02: weights
    through a softmax, covariances through a Cholesky factor with a logged diagonal.
    """
    weights, means, covariances = theta
    n_components, n_features = means.shape
    rng = np.random.default_rng([seed, 2])
    if block == "weights":
        point = np.log(weights[:-1] / weights[-1])

        def rebuild(x):
            return softmax(np.append(x, 0.0)), means, covariances

        scale = 1.0
    elif block == "means":
        point = means.ravel()

        def rebuild(x):
            return weights, x.reshape(n_components, n_features), covariances

        scale = float(np.std(X))
    else:
        point = _cholesky_coordinates(covariances)

        def rebuild(x):
            return weights, means, _covariances_from_coordinates(x, n_components, n_features)

        scale = 1.0
    return largest_gain(lambda x: q_function(X, resp, *rebuild(x)), point, scale, rng)


def q_gain_message(gain, block, q_value):
    """The perturbation check's feedback, or None when no small change of ``block`` raised Q."""
    if gain <= 1e-9 * max(abs(q_value), 1.0):
        return None
    return (
        f"a small change of the {block} increases Q(theta, theta_old) = sum_i sum_k gamma_ik [log pi_k + "
        f"log N(x_i | mu_k, Sigma_k)] by {gain:.3g}: your {block} do not maximise it"
    )


# Whose code -----------------------------------------------------------------------------------

#: Packages whose functions compute what the assignments ask for: a graded function may not call them.
ANSWER_PACKAGES = {"gmmlib", "sklearn"}
#: Packages looked up when a function imports them inside its body.
_FOLLOWED_PACKAGES = ANSWER_PACKAGES | {"scipy", "numpy", "torch", "jax", "pandas", "statsmodels"}


def _code_objects(code):
    yield code
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from _code_objects(constant)


def _dotted_names(code):
    """``(scope, dotted name)`` of each name ``code`` loads: ``("global", "gmmlib.speech.mfcc")`` and so on.

    ``scope`` is ``"global"`` for a name of the notebook's namespace, ``"local"`` for one of the
    function, ``"import"`` for a module imported inside the function. Opcodes differ between Python
    versions: every ``LOAD_FAST*`` variant loads a local (3.13's ``LOAD_FAST_LOAD_FAST`` two at once,
    3.14's ``LOAD_FAST_BORROW``), and an instruction whose name is not text is passed over.
    """
    scope, chain = None, []
    for instruction in dis.get_instructions(code):
        opname, argval = instruction.opname, instruction.argval
        if opname in ("LOAD_ATTR", "LOAD_METHOD", "IMPORT_FROM") and chain and isinstance(argval, str):
            chain.append(argval)
            continue
        if chain:
            yield scope, ".".join(chain)
        scope, chain = None, []
        names = argval if isinstance(argval, tuple) else (argval,)
        if not all(isinstance(name, str) for name in names):
            continue
        if opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            scope = "global"
        elif opname.startswith(("LOAD_FAST", "LOAD_DEREF")):
            scope = "local"
        elif opname == "IMPORT_NAME":
            scope = "import"
        else:
            continue
        for name in names[:-1]:
            yield scope, name
        chain = [names[-1]]
    if chain:
        yield scope, ".".join(chain)


def _package(value):
    """The top-level package a module or a function comes from."""
    name = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)
    return (name or "builtins").partition(".")[0]


def references(function, skip=(), _seen=None):
    """The modules and functions that ``function``, and the notebook functions it calls, use.

    Found from the dotted names its code loads (``gmmlib.speech.mfcc`` counts as the module
    ``gmmlib.speech`` and its function ``mfcc``), with modules imported inside the function; classes
    do not count (A2 asks for ``GaussianMixture``). The notebook's names in ``skip`` are left out: they
    are functions graded on their own, or correct ones the grader put in their place.

    Returns
    -------
    list of (str, str, bool)
        ``(label, package, is_module)``, such as ``("logsumexp (scipy.special._logsumexp)", "scipy",
        False)`` or ``("gmmlib.speech", "gmmlib", True)``.
    """
    seen = set() if _seen is None else _seen
    if not isinstance(function, types.FunctionType) or function.__code__ in seen:
        return []
    seen.add(function.__code__)
    found, missing = [], object()
    for code in _code_objects(function.__code__):
        for scope, dotted in _dotted_names(code):
            root, *attributes = dotted.split(".")
            if scope == "global" and root in skip:
                continue
            value = function.__globals__.get(root, missing) if scope == "global" else missing
            if value is missing and root in _FOLLOWED_PACKAGES and scope != "global":
                try:
                    value = importlib.import_module(root)
                except ImportError:
                    continue
            if isinstance(value, types.FunctionType) and value.__module__ == function.__module__:
                found.extend(references(value, skip, seen))
                continue
            label = root
            while isinstance(value, types.ModuleType):
                found.append((value.__name__, _package(value), True))
                if not attributes:
                    break
                label = f"{value.__name__}.{attributes[0]}"
                value = getattr(value, attributes.pop(0), missing)
                if value is missing:  # a submodule not imported yet
                    try:
                        value = importlib.import_module(label)
                    except ImportError:
                        break
            if callable(value) and not isinstance(value, (type, types.ModuleType)):
                module = getattr(value, "__module__", None) or "builtins"
                found.append((label if "." in label else f"{label} ({module})", _package(value), False))
    return sorted(set(found))


def expect_numpy_only(name, function, graded_alone=()):
    """Fail, naming them, if ``function`` uses packages other than numpy (see :func:`references`)."""
    found = [label for label, package, _ in references(function, graded_alone) if package not in ALLOWED_PACKAGES]
    if found:
        raise AssertionError(f"{name} uses {', '.join(found)}: this assignment asks for numpy only")


def expect_own_work(name, function, graded_alone=()):
    """Fail if ``function`` calls a function of gmmlib or scikit-learn: they compute the answer it must compute."""
    found = [
        label
        for label, package, is_module in references(function, graded_alone)
        if package in ANSWER_PACKAGES and not is_module
    ]
    if found:
        raise AssertionError(
            f"{name} calls {', '.join(found)}: write it yourself (the grader compares your code with gmmlib, "
            "so calling gmmlib or scikit-learn earns no points)"
        )
