"""Several processes, one training run: JAX's distributed runtime, one leader, faults as one line.

N processes (on one machine or several) train one run together on the
compiled engine: each step's global batch is split over the devices of all
processes (`gan_keras.training.engines.compiled.DataParallel`, one program in
every process, XLA's collectives between them: gloo over TCP on CPUs, NCCL on
GPUs). Process 0, the leader, does everything a one-process run does (run
folder, lock, checkpoints, grids, history, evaluation); the others, the
followers, write nothing and only repeat the leader's engine calls:

1. `initialize(group)` joins the job, in two steps. First a roll call on
   the coordinator's port (plain TCP, a line each way): every follower says
   it is ready (or that it refused its flags), and the leader answers when
   all are there, or stops them all with one line. Only then
   `jax.distributed.initialize` (what `keras.distribution.initialize`
   calls; called here directly, to pass the timeouts and the address its
   service listens on), before any JAX computation. So a partner that
   refuses, one that never comes and a leader that goes away end every
   process with one line and exit status 1 or 2, never in JAX's abort
   (which a coordination service that waits in vain ends with).
2. `check_same(settings)`: every process compares the settings it was
   started with (all flags but the three of the job); a difference stops all
   of them with one line naming the process and the settings.
3. Control messages from the leader (`broadcast_one_to_all` of three
   integers): `START` (an engine was built: its state follows, broadcast
   from the leader, so every process starts from the leader's checkpoint or
   initial weights), `CALL first count` (run steps first..first+count-1;
   the leader sizes its calls as a one-process run does, the followers run
   the same ones) and `STOP status` (the leader's run ended with this exit
   status, also before it built an engine, e.g. a refused run folder).

Where it listens: the leader's roll call and JAX's coordination service
listen on the coordinator's address only (`bind_address`; or on
`--coordinator-bind`), so a job on 127.0.0.1 opens no port on a network
interface; for such a local job the CPU collectives (gloo) listen on
127.0.0.1 too (`_jax_internals.loopback_collectives`). Neither JAX's
service nor gloo authenticates or encrypts: a job of several machines
belongs on a trusted network.

Faults: a process that dies makes the next collective of the others fail
(gloo: "connection closed by peer"); they stop with one line (`PeerLost`,
exit status 1) and leave without JAX's shutdown barrier, which would wait
for the dead process (`finish`). A leader whose follower died between
collectives (e.g. while it evaluates) is ended by JAX's heartbeat check
after `HEARTBEAT_SECONDS`. The leader's folder keeps its last checkpoint.
"""

import dataclasses
import hashlib
import os
import sys

import numpy as np

from gan_keras.core.errors import EXIT_DATA_OR_IO, EXIT_USAGE, UserError
from gan_keras.training import roll_call

ENV_ADDRESSES = "KERAS_DISTRIBUTION_JOB_ADDRESSES"
ENV_COUNT = "KERAS_DISTRIBUTION_NUM_PROCESSES"
ENV_INDEX = "KERAS_DISTRIBUTION_PROCESS_ID"
CONNECT_SECONDS = 60  # how long a process waits for the others to join (GAN_KERAS_CONNECT_SECONDS)
HEARTBEAT_SECONDS = 30  # a process silent this long is taken for dead (GAN_KERAS_HEARTBEAT_SECONDS)

START, CALL, STOP = 1, 2, 3


class PeerLost(UserError):
    """Another process of the job stopped answering (died, killed, disconnected): exit status 1."""


@dataclasses.dataclass(frozen=True)
class ProcessGroup:
    """This process's place in a job.

    Attributes:
        coordinator: "HOST:PORT" of process 0's coordination service.
        count: Number of processes.
        index: This process's id, 0 (the leader) .. count - 1.
    """

    coordinator: str
    count: int
    index: int

    @property
    def leader(self):
        return self.index == 0


_group = None  # the joined group, or None
_peer_lost = False
_stopped = False


def group_from(coordinator=None, count=None, index=None, environ=None):
    """The job the flags or Keras' variables describe, or None for a one-process run.

    Flags win over `KERAS_DISTRIBUTION_JOB_ADDRESSES` (comma-separated
    "HOST:PORT" addresses; the first is the coordinator),
    `KERAS_DISTRIBUTION_NUM_PROCESSES` and `KERAS_DISTRIBUTION_PROCESS_ID`.

    Raises:
        UserError: (exit status 2) for a count below 1, an id outside
            0..count-1, a missing coordinator or id, or "HOST:PORT" without a
            port number.
    """
    environ = os.environ if environ is None else environ
    addresses = environ.get(ENV_ADDRESSES, "")
    coordinator = coordinator or (addresses.split(",")[0].strip() if addresses.strip() else None)
    count = count if count is not None else _int_variable(environ, ENV_COUNT)
    index = index if index is not None else _int_variable(environ, ENV_INDEX)
    if count is None or count == 1 and index in (None, 0):
        return None
    if count < 1:
        raise UserError(f"--num-processes must be a positive integer, got {count}", EXIT_USAGE)
    if index is None:
        raise UserError(f"--num-processes {count} needs --process-id (or {ENV_INDEX})", EXIT_USAGE)
    if not 0 <= index < count:
        raise UserError(f"--process-id must be in 0..{count - 1} for --num-processes {count}, got {index}",
                        EXIT_USAGE)
    if coordinator is None:
        raise UserError(f"--num-processes {count} needs --coordinator HOST:PORT (or {ENV_ADDRESSES}), the "
                        f"address of process 0", EXIT_USAGE)
    host, _, port = coordinator.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UserError(f"--coordinator must be HOST:PORT, got {coordinator!r}", EXIT_USAGE)
    return ProcessGroup(coordinator, count, index)


def tell_process_0(coordinator, count, index, message):
    """A process of a job whose command line was refused tells process 0 (best effort, `roll_call.refuse`).

    Args:
        coordinator, count, index: The job flags as given (None: from Keras' variables, as `group_from`).
        message: The refusal, one line.
    """
    try:
        group = group_from(coordinator, count, index)
        if group is not None:
            roll_call.refuse(group, message)
    except Exception:  # a refusal must end in its own one line, whatever happens here
        pass


def _int_variable(environ, name):
    value = environ.get(name)
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise UserError(f"{name} must be an integer, got {value!r}", EXIT_USAGE) from None


def current():
    """The joined `ProcessGroup`, or None (a one-process run)."""
    return _group


def check_backend(backend):
    """Refuses a job of several processes on another backend than JAX (exit status 2, one line)."""
    if backend != "jax":
        raise UserError(f"several processes train on Keras' JAX backend only (KERAS_BACKEND=jax), not {backend}: "
                        f"TensorFlow's MultiWorkerMirroredStrategy does not work with Keras 3 "
                        f"(keras-team/keras#20585) and PyTorch has no Keras multi-process trainer; on one machine "
                        f"use --devices N instead", EXIT_USAGE)


def start_roll_call(group, bind=None):
    """The leader's roll call, listening from now on (`roll_call.RollCall`); None for a follower.

    Args:
        group: This process's `ProcessGroup`.
        bind: The leader's listening "HOST:PORT" (see `roll_call.bind_address`), or None.
    """
    if not group.leader:
        return None
    host, port = roll_call.bind_address(group, bind)
    return roll_call.RollCall(group, host, port, _seconds("GAN_KERAS_CONNECT_SECONDS", CONNECT_SECONDS))


def initialize(group, call=None):
    """Joins the job: the roll call, then `jax.distributed.initialize`, before any JAX computation.

    Waits up to `GAN_KERAS_CONNECT_SECONDS` (default 60) for every process
    to join; a process silent for `GAN_KERAS_HEARTBEAT_SECONDS` (default
    30) later is taken for dead.

    Args:
        group: This process's `ProcessGroup`.
        call: The leader's `RollCall` from `start_roll_call` (None: a follower).

    Raises:
        UserError: one line, in every process: (exit status 2) a process
            refused its flags, or was started with another process count or
            the same id as another, or the coordinator's address is not one
            of the leader's machine; (exit status 1) a process did not come
            in time, or the leader went away.
    """
    global _group
    # Only for a job of several processes: JAX loads here, before Keras computes anything.
    import jax

    connect = _seconds("GAN_KERAS_CONNECT_SECONDS", CONNECT_SECONDS)
    heartbeat = _seconds("GAN_KERAS_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS)
    if group.leader:
        host, port = call.host, call.port
        call.run()
    else:
        roll_call.answer(group, connect)
        roll_call.wait_for_coordinator(group, connect)  # JAX's service starts after the roll call
    if roll_call.is_loopback(group):
        # JAX's private API loads only for a job on this machine alone, whose collectives it keeps on loopback.
        from gan_keras.training import _jax_internals

        _jax_internals.loopback_collectives()
    listen = (f"[{host}]:{port}" if ":" in host else f"{host}:{port}") if group.leader else None
    try:
        jax.distributed.initialize(group.coordinator, group.count, group.index, initialization_timeout=connect,
                                   heartbeat_timeout_seconds=heartbeat, coordinator_bind_address=listen)
        found = jax.process_count()
    except Exception as error:  # jax raises RuntimeError/XlaRuntimeError/ValueError with long texts
        raise UserError(f"process {group.index} of {group.count} could not join the job at {group.coordinator} "
                        f"within {connect} s: {_first_line(error)}", EXIT_DATA_OR_IO) from None
    if found != group.count:
        raise UserError(f"the job has {found} processes, not {group.count}", EXIT_USAGE)
    _group = group


def _seconds(name, default):
    """A positive number of seconds from the variable `name`, `default` where it is unset or empty.

    Raises:
        UserError: (exit status 2) for any other value: a value given is never replaced by the default.
    """
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise UserError(f"{name} must be a positive number of seconds, got {value!r}", EXIT_USAGE)
    return int(value)


def _first_line(error):
    text = " ".join(str(error).split())
    return text[:300] or type(error).__name__


def collective(what):
    """A context that turns a failed collective (a process gone) into `PeerLost`, one line."""
    return _Collective(what)


class _Collective:
    def __init__(self, what):
        self.what = what

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        global _peer_lost
        if error is None or not isinstance(error, Exception) or isinstance(error, UserError):
            return False
        _peer_lost = True
        raise PeerLost(f"process {_group.index} of {_group.count}: another process stopped answering during "
                       f"{self.what} ({_first_line(error)})") from None


def check_same(settings):
    """Stops every process when they were started with different settings.

    Args:
        settings: A flat dict of this process's settings (JSON values),
            without the job's own three.

    Raises:
        UserError: (exit status 2) in every process, naming the first
            process whose settings differ from the leader's and which.
    """
    # Only for a job of several processes.
    from jax.experimental import multihost_utils

    names = sorted(settings)
    digests = np.array([_digest(f"{name}={settings[name]!r}") for name in names] + [len(names)], np.int64)
    with collective("the settings check"):
        width = multihost_utils.process_allgather(np.int64(len(digests)))
    if len(set(np.asarray(width).tolist())) > 1:
        raise UserError("the processes were started with different settings (flags): start every process with "
                        "the same command", EXIT_USAGE)
    with collective("the settings check"):
        everyone = np.asarray(multihost_utils.process_allgather(digests))
    for index, theirs in enumerate(everyone):
        differing = [name for name, a, b in zip(names, everyone[0], theirs) if a != b]
        if differing:
            raise UserError(f"process {index} was started with other settings than process 0: "
                            f"{', '.join('--' + n.replace('_', '-') for n in differing)}; start every process with "
                            f"the same flags", EXIT_USAGE)


def _digest(text):
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:7], "little")


def send(kind, a=0, b=0):
    """The leader's control message to the followers (see the module docstring)."""
    global _stopped
    if _group is None or not _group.leader or _stopped:
        return
    _stopped = kind == STOP
    _broadcast(np.array([kind, a, b], np.int64), "a message to the other processes")


def receive():
    """A follower's next control message from the leader: `(kind, a, b)`."""
    kind, a, b = (int(v) for v in _broadcast(np.zeros(3, np.int64), "waiting for process 0"))
    return kind, a, b


def share(arrays):
    """The leader's arrays in every process (a list of arrays of the same shapes everywhere)."""
    return _broadcast(list(arrays), "the transfer of the leader's weights")


def _broadcast(value, what):
    # Only for a job of several processes.
    from jax.experimental import multihost_utils

    with collective(what):
        return multihost_utils.broadcast_one_to_all(value)


def finish(status):
    """Leaves the job; the process's exit status.

    The leader tells the followers it ended (`STOP status`) if it has not
    yet. After a lost process, the process exits at once (`os._exit`):
    JAX's shutdown would wait for the lost one at its barrier and abort.
    """
    if _group is None:
        return status
    if _group.leader and not _stopped and not _peer_lost:
        try:
            send(STOP, status)
        except PeerLost as error:
            print(f"gan-keras: error: {error}", file=sys.stderr)
            status = status or EXIT_DATA_OR_IO
    if _peer_lost:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status or EXIT_DATA_OR_IO)
    return status
