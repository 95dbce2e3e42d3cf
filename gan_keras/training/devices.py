"""Which device the Keras backend computes on, in words; determinism; several devices."""

import contextlib
import os

import keras

from gan_keras.core.errors import EXIT_USAGE, UserError


def describe_device():
    """Returns e.g. "GPU (NVIDIA H100 80GB HBM3)" or "CPU" for the active backend."""
    backend = keras.config.backend()
    try:
        if backend == "tensorflow":
            # Only the running Keras backend's library is imported.
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            if gpus:
                details = tf.config.experimental.get_device_details(gpus[0])
                return f"GPU ({details.get('device_name', gpus[0].name)})"
        elif backend == "jax":
            # Only the running Keras backend's library is imported.
            import jax

            device = jax.devices()[0]
            if device.platform != "cpu":
                return f"{device.platform.upper()} ({device.device_kind})"
        elif backend == "torch":
            # Only the running Keras backend's library is imported.
            import torch

            if torch.cuda.is_available():
                return f"GPU ({torch.cuda.get_device_name(0)})"
    except Exception as error:  # a broken driver must not stop a CPU run
        return f"CPU (accelerator query failed: {error})"
    return "CPU"


_deterministic = False


def make_deterministic():
    """Makes two runs with the same seed compute bit-identical results on a CPU.

    TensorFlow's multi-threaded CPU kernels (oneDNN and Eigen) sum in an order
    that depends on thread scheduling, so two processes drift apart by ~1e-5
    after a few steps. One thread per op and TensorFlow's deterministic ops
    remove that; on a 2-core machine it cost little. Call it before the
    first operation runs (later calls do nothing).
    """
    global _deterministic
    if _deterministic:
        return
    _deterministic = True
    backend = keras.config.backend()
    if backend == "tensorflow":
        # Only the running Keras backend's library is imported.
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        tf.config.experimental.enable_op_determinism()
    elif backend == "torch":
        # Only the running Keras backend's library is imported.
        import torch

        torch.set_num_threads(1)
        torch.use_deterministic_algorithms(True)


def cpu_cores():
    """The CPU cores this process may run on (its affinity where the OS tells it, else `os.cpu_count()`)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def device_limit():
    """How many devices `--devices` may split a batch across here, and what they are, in words.

    TensorFlow: its GPUs; on a machine without one, the CPU cores
    (`cpu_cores`), since `data_parallel_scope` makes one logical CPU device
    per replica and more replicas than cores only queue for the same cores
    (64 of them on 2 cores: no step finished in minutes). JAX: its devices
    (`jax.devices()`; on a CPU, as many as
    `XLA_FLAGS=--xla_force_host_platform_device_count=N` made). PyTorch: 1.

    Returns:
        `(count, words)`, e.g. `(2, "2 CPU core(s) (no GPU found; one logical CPU device per core at most)")`.
    """
    backend = keras.config.backend()
    if backend == "tensorflow":
        # Only the running Keras backend's library is imported.
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            return len(gpus), f"{len(gpus)} GPU(s)"
        cores = cpu_cores()
        return cores, f"{cores} CPU core(s) (no GPU found; one logical CPU device per core at most)"
    if backend == "jax":
        # Only the running Keras backend's library is imported.
        import jax

        found = jax.devices()
        hint = ("; more logical CPU devices: XLA_FLAGS=--xla_force_host_platform_device_count=N"
                if found[0].platform == "cpu" else "")
        return len(found), f"{len(found)} {found[0].platform} device(s){hint}"
    return 1, f"one device ({backend} runs no data-parallel training here)"


def check_devices(devices):
    """Refuses `--devices N` beyond what there is (`device_limit`), before any model is built.

    Args:
        devices: The devices asked for.

    Raises:
        UserError: (exit status 2) naming the count there is, e.g. "--devices
            64: this machine has 2 CPU core(s) (no GPU found; ...)".
    """
    if devices <= 1:
        return
    backend = keras.config.backend()
    if backend not in ("tensorflow", "jax"):
        raise UserError(f"--devices {devices} needs the JAX or TensorFlow backend, not {backend}", EXIT_USAGE)
    limit, words = device_limit()
    if devices > limit:
        raise UserError(f"--devices {devices}: this machine has {words}; use --devices {limit} or fewer",
                        EXIT_USAGE)


@contextlib.contextmanager
def data_parallel_scope(devices):
    """Where models for a data-parallel run over `devices` devices are built.

    TensorFlow: under a `tf.distribute.MirroredStrategy` over the first
    `devices` GPUs, or, on a machine without GPUs, over `devices` logical
    CPU devices (made here, so before TensorFlow's first operation). JAX: no
    scope (the compiled engine shards each call, `gan_keras.training.engines.compiled`). One
    device: no scope.

    Raises:
        UserError: (exit status 2) on PyTorch, with more devices asked than
            there are (`check_devices`: GPUs, or CPU cores on a machine
            without GPUs; JAX's devices), or when TensorFlow's devices were
            already set up differently.
    """
    check_devices(devices)
    backend = keras.config.backend()
    if devices == 1 or backend == "jax":
        yield None
        return
    # Only the running Keras backend's library is imported.
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:  # as many as asked (`check_devices`)
        names = [f"/gpu:{i}" for i in range(devices)]
    else:
        cpu = tf.config.list_physical_devices("CPU")[0]
        logical = tf.config.get_logical_device_configuration(cpu)
        if not logical:
            try:
                tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * devices)
            except RuntimeError:
                raise UserError(f"--devices {devices}: TensorFlow's CPU devices were set up before this run "
                                f"asked for {devices}", EXIT_USAGE) from None
        elif len(logical) < devices:
            raise UserError(f"--devices {devices}: only {len(logical)} logical CPU device(s)", EXIT_USAGE)
        names = [f"/cpu:{i}" for i in range(devices)]
    strategy = tf.distribute.MirroredStrategy(names)
    with strategy.scope():
        yield strategy


@contextlib.contextmanager
def dtype_policy(name):
    """Builds models under Keras' dtype policy `name` ("float32", "mixed_bfloat16", "mixed_float16").

    Under a mixed policy the layers keep float32 weights and compute in
    (b)float16; a model compiled under "mixed_float16" gets a
    `LossScaleOptimizer`. The global policy is restored on exit.
    """
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


# The CPU flags (Linux's /proc/cpuinfo names) of instructions that compute in bfloat16: AVX-512 BF16 (AMD Zen 4
# and later, Intel Cooper Lake) and AMX (Intel Sapphire Rapids and later).
BFLOAT16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")
CPUINFO = "/proc/cpuinfo"


def cpu_flags(path=None):
    """The instruction-set flags of this machine's CPU, as Linux lists them (e.g. {"avx2", "avx512_bf16"}).

    Args:
        path: The cpuinfo file; default `$GAN_KERAS_CPUINFO` (with which the
            tests fake a CPU), else Linux's `/proc/cpuinfo`.

    Returns:
        A set of flag names; empty where the file is missing or unreadable
        (another operating system): then no bfloat16 instructions are assumed.
    """
    path = path or os.environ.get("GAN_KERAS_CPUINFO") or CPUINFO
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return set()
    flags = set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):  # x86, ARM
            flags.update(value.split())
    return flags


def choose_precision(requested, backend, device, flags):
    """The dtype policy a run trains under, and why, for `--precision`.

    `auto` picks what pays where it was measured (docs/speed.md):
    mixed_bfloat16 on a GPU, and on TensorFlow on a CPU with bfloat16
    instructions (`BFLOAT16_CPU_FLAGS`), where oneDNN's bfloat16 kernels run
    the DCGAN's step about 1.4x faster; float32 elsewhere (a CPU without
    them emulates bfloat16, slower than float32; JAX's and PyTorch's CPU
    backends were not measured faster).

    Args:
        requested: The `--precision` value: "auto", "float32", "mixed_bfloat16" or "mixed_float16".
        backend: Keras' backend, e.g. "tensorflow".
        device: `describe_device()`, e.g. "CPU" or "GPU (NVIDIA H200)".
        flags: `cpu_flags()`.

    Returns:
        `(policy, reason)`, e.g. `("mixed_bfloat16", "auto: this CPU computes in bfloat16 (avx512_bf16)")`.
    """
    if requested != "auto":
        return requested, "as asked"
    if not device.startswith("CPU"):
        return "mixed_bfloat16", f"auto: on a {device.split(' ')[0]}, bfloat16 computation pays"
    found = [flag for flag in BFLOAT16_CPU_FLAGS if flag in flags]
    if not found:
        return "float32", "auto: this CPU has no bfloat16 instructions (avx512_bf16 or amx_bf16)"
    if backend != "tensorflow":
        return "float32", f"auto: bfloat16 pays on this CPU with TensorFlow, not measured with {backend}"
    return "mixed_bfloat16", f"auto: this CPU computes in bfloat16 ({', '.join(found)})"
