"""The one training loop, shared by every GAN of the package.

Each step follows the book: the discriminator learns from a real batch and
from a fake batch (`discriminator.train_on_batch`), then the generator learns
through the frozen-discriminator combined model (`combined.train_on_batch`).
The loop knows nothing about any particular architecture; grids, history,
checkpoints and evaluation are callbacks.
"""

import dataclasses
import math
import signal
import time

from tqdm import tqdm

from gan_keras.core.errors import NonFiniteError
from gan_keras.training.engines import make_engine

HISTORY_FIELDS = ("step", "epoch", "d_loss_real", "d_loss_fake", "d_acc", "g_loss", "scam_ratio")
CALL_SECONDS = 2.0  # a compiled call lasts about this long at most (after the first), so Ctrl-C is answered soon


@dataclasses.dataclass(frozen=True)
class LoopConfig:
    """How long and how to train.

    Attributes:
        total_steps: Steps to reach in all (a resumed run stops there too).
        seed: Seed of noise, labels and batch order; step `s` draws from
            `(seed, s)`, so a resumed run repeats an uninterrupted one.
        d_steps: Discriminator updates (each on a real and a fake batch) per step.
        g_steps: Generator updates per step.
        d_only_steps: Steps at the start that train only the discriminator;
            with `g_only_steps` this gives the "one side at a time" schedule.
        g_only_steps: Steps after those that train only the generator.
        progress: Whether to show a tqdm progress bar.
        adversarial: False trains the generator alone, on its reconstruction
            loss (pix2pix's "L1 only", SRGAN's SRResNet): no discriminator step.
        engine: "book" (one Keras call per model update;
            `gan_keras.training.engines.book`) or "compiled" (whole steps in
            one compiled function; `gan_keras.training.engines.compiled`).
            Both run the same `gan_keras.training.plan.plan_step` inputs.
        steps_per_call: The most steps of one call of the compiled engine;
            fewer where they would take more than about `call_seconds`
            (`CallSizes`), so that Ctrl-C is answered within seconds. A call
            never passes a step where a callback saves (`Callback.saves_at`),
            so grids, checkpoints and evaluations see the weights of their step.
        call_seconds: How long a compiled call may take (`CALL_SECONDS`), or
            None for calls of `steps_per_call` steps whatever they take
            (`--deterministic`: where calls end then depends on nothing
            measured, and the averaged generator, updated once per call, is
            the same in every run).
        devices: Devices each batch is split across (the compiled engine on
            JAX; see `gan_keras.training.engines.compiled.DataParallel`).
    """

    total_steps: int
    seed: int = 0
    d_steps: int = 1
    g_steps: int = 1
    d_only_steps: int = 0
    g_only_steps: int = 0
    progress: bool = True
    adversarial: bool = True
    engine: str = "book"
    steps_per_call: int = 1
    devices: int = 1
    call_seconds: float | None = CALL_SECONDS

    def trains(self, step):
        """Returns `(train_discriminator, train_generator)` for 1-based `step`."""
        if not self.adversarial:
            return False, True
        if step <= self.d_only_steps:
            return True, False
        if step <= self.d_only_steps + self.g_only_steps:
            return False, True
        return True, True


class Callback:
    """Hooks of the training loop; override the ones you need.

    Attributes:
        fields: Columns this callback adds to the step logs (and so to
            `history.csv`), NaN in the steps where it adds nothing. A callback
            that adds columns runs before `History`.
    """

    fields = ()

    def saves_at(self, step):
        """Whether `on_step_end` of `step` writes anything made from the weights (a file, a metric).

        The trainer checks that every weight is finite before such a step's
        callbacks run (and before the end of a run); other steps only check
        the losses, which turn non-finite one step after the weights do.
        """
        return False

    def on_train_begin(self, run):
        pass

    def on_step_end(self, run, logs):
        pass

    def on_train_end(self, run):
        pass

    def on_interrupt(self, run):
        pass

    def on_abort(self, run):
        """The run stops with an error (e.g. non-finite values): release resources, write nothing new."""

    def report_lines(self):
        """Markdown lines this callback adds to the run's `report.md` (after its `on_train_end`)."""
        return []


@dataclasses.dataclass
class TrainingRun:
    """The state a callback can read: the GAN, the data, the step reached."""

    gan: object
    source: object
    config: LoopConfig
    step: int = 0
    interrupted: bool = False


def train(gan, source, config, callbacks=(), start_step=0):
    """Trains `gan` on batches of `source` from `start_step` to `config.total_steps`.

    SIGINT (Ctrl-C) and SIGTERM end the run at the end of the current engine
    call (the next step with the book's engine, at most `steps_per_call`
    steps and about `config.call_seconds` with the compiled one, see `CallSizes`): every
    callback's `on_interrupt` runs (e.g. a checkpoint is saved) and the run
    returns with `run.interrupted` set. A second Ctrl-C stops at once.

    After every step, before any callback sees it, the losses of the models
    that trained and every weight of both models must be finite; otherwise
    the run stops with `NonFiniteError` and no callback writes anything of
    that step (each gets `on_abort`), so the last checkpoint, history row and
    saved generator stay those of finite weights.

    Args:
        gan: A `gan_keras.core.gan.GAN`.
        source: An object with `batch(index) -> (samples, labels or None)`,
            `batch_size` and `batches_per_epoch` (see `gan_keras.data.sources`).
        config: `LoopConfig`.
        callbacks: `Callback`s called in order.
        start_step: Steps already done (from a checkpoint).

    Returns:
        The final `TrainingRun`.

    Raises:
        NonFiniteError: (exit status 1) at the first step with a non-finite
            loss or weight; names the step and the model.
    """
    run = TrainingRun(gan=gan, source=source, config=config, step=start_step)
    for callback in callbacks:
        callback.on_train_begin(run)
    bar = tqdm(
        total=config.total_steps, initial=start_step, disable=not config.progress,
        unit="step", dynamic_ncols=True,
    )
    checked = start_step  # the last step whose weights were checked (a resumed checkpoint's are)
    try:
        engine = make_engine(gan, source, config)
        with _StopRequests() as stop:
            step = start_step
            calls = CallSizes(config.steps_per_call if config.engine == "compiled" else 1, config.call_seconds)
            while step < config.total_steps and not run.interrupted:
                last = _call_end(step, calls.next, config, callbacks)
                started = time.perf_counter()
                for logs in engine.run(range(step + 1, last + 1)):
                    if started is not None:  # the call is done (the book's engine: its first step)
                        calls.record(last - step, time.perf_counter() - started)
                        started = None
                    step = logs["step"]
                    weights = step == config.total_steps or any(callback.saves_at(step) for callback in callbacks)
                    problem = non_finite_problem(gan, logs, *config.trains(step), weights=weights)
                    if problem:
                        raise NonFiniteError(f"step {step}: {problem}; nothing of this step was saved")
                    checked = step if weights else checked
                    run.step = step
                    for callback in callbacks:
                        callback.on_step_end(run, logs)
                    bar.update(1)
                    bar.set_postfix(
                        {k: f"{logs[k]:.3f}" for k in ("d_loss", "d_acc", "g_loss") if not math.isnan(logs[k])},
                        refresh=False,
                    )
                run.interrupted = stop.requested
        if checked != run.step:  # the end hooks save the models
            problem = non_finite_problem(gan, {}, False, False)
            if problem:
                raise NonFiniteError(f"step {run.step}: {problem}; nothing of this step was saved")
        bar.close()
        hooks = "on_interrupt" if run.interrupted else "on_train_end"
        for callback in callbacks:
            getattr(callback, hooks)(run)
    except BaseException:
        bar.close()
        for callback in callbacks:
            try:
                callback.on_abort(run)
            except Exception:  # the original error is the one to report
                pass
        raise
    return run


class CallSizes:
    """Steps of the engine's next call: at most `most`, and about as many as ran in `seconds` before.

    A compiled call runs all its steps before the loop sees a stop request
    (Ctrl-C, SIGTERM), so a call of `--steps-per-call` slow steps (a large
    K, a slow CPU, many devices on few cores) would keep a user waiting for
    minutes. The first call runs one step (it compiles, so it tells nothing
    of a step's time); each later call takes the pace of the one before:
    `seconds` / (seconds per step) steps, at least 1, at most `most`,
    rounded down to a power of two below `most` (TensorFlow compiles a
    program again with XLA for each new call length, so the lengths stay
    few). Only where calls end changes: the engine's program is the same for
    every step count, so every step computes exactly what it would in calls
    of any other size (tests/test_faults_inputs.py). The averaged generator
    (`--ema`) moves once per call (`gan_keras.training.ema`), so it does
    depend on where calls end: with `seconds` None (`--deterministic`) every
    call has `most` steps, as measured time never decides.

    Args:
        most: The most steps of one call (`steps_per_call`; 1 for the book's engine).
        seconds: How long a call may take (`CALL_SECONDS`), or None for calls of `most` steps.
    """

    def __init__(self, most, seconds=CALL_SECONDS):
        self.most = most
        self.seconds = seconds
        self.next = 1 if seconds is not None else most

    def record(self, steps, seconds):
        """Sizes the next call from the last one: `steps` steps took `seconds`."""
        if self.seconds is None:
            return
        fitting = int(self.seconds * steps / seconds) if seconds > 0 else self.most
        self.next = self.most if fitting >= self.most else 2 ** max(0, fitting.bit_length() - 1)


def _call_end(step, per_call, config, callbacks):
    """The last step of the next engine call after `step`: at most `per_call` steps on (`CallSizes`), and no
    step past one where a callback saves (it needs that step's weights) or the schedule changes."""
    last = min(step + per_call, config.total_steps)
    for s in range(step + 1, last):
        if config.trains(s + 1) != config.trains(s) or any(callback.saves_at(s) for callback in callbacks):
            return s
    return last


def non_finite_problem(gan, logs, trained_d=True, trained_g=True, weights=True):
    """What is non-finite after a step, in words ("" when everything is finite).

    Args:
        gan: The `GAN`.
        logs: The step's logs (losses of a model the schedule skipped are NaN
            on purpose and not checked).
        trained_d: Whether the discriminator trained in this step.
        trained_g: Whether the generator trained in this step.
        weights: Whether to check every weight of both models too (about
            10 ms for the DCGAN on a CPU, so only before a step that saves).
    """
    d_fields = ("d_loss_real", "d_loss_fake", *(f for f in gan.condition.log_fields if f.startswith("d_")))
    losses = [(name, "discriminator") for name in d_fields if trained_d]
    g_fields = ("g_loss", *(f for f in gan.condition.log_fields if f.startswith("g_")))
    losses += [(name, "generator") for name in g_fields if trained_g]
    for name, model in losses:
        if not math.isfinite(logs[name]):
            return f"non-finite {model} loss ({name} = {logs[name]})"
    bad = gan.non_finite() if weights else []
    if bad:
        return "non-finite weights in " + ", ".join(f"the {group} ({path})" for group, _, path in bad)
    return ""


class _StopRequests:
    """Turns SIGINT/SIGTERM into a request to stop at the next step boundary."""

    def __enter__(self):
        self.requested = False
        self._previous = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._previous[sig] = signal.signal(sig, self._request)
            except ValueError:  # not the main thread: leave signals alone
                pass
        return self

    def _request(self, signum, frame):
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = True
        tqdm.write("Stopping after this step (Ctrl-C again to stop at once)...")

    def __exit__(self, *exc):
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        return False
