"""`gan-keras launch -n N -- train GAN ...`: one training run in N processes on this machine.

    KERAS_BACKEND=jax gan-keras launch -n 2 -- train dcgan --engine compiled --steps 8 --batch-size 16

Starts N copies of `gan-keras train ...` with Keras' job variables
(`KERAS_DISTRIBUTION_JOB_ADDRESSES`: the coordinator, by default 127.0.0.1 and
a free port; `KERAS_DISTRIBUTION_NUM_PROCESSES`; `KERAS_DISTRIBUTION_PROCESS_ID`),
so that they form one job (`gan_keras.training.processes`): process 0 writes the
run folder, the others compute their share of every batch. Every output line
is prefixed with its process id ("[0] ..."). Ctrl-C (SIGINT) and SIGTERM go to
process 0, which saves its checkpoint and stops the others. When a process
ends with an error or is killed, the launcher gives the others
`REPORT_SECONDS` to end on their own (a refusal of the flags ends them all
with their own line), then says in one line which process failed and its own
error line, asks what still runs to stop (SIGINT: process 0, or every
process while process 0 is gone), and kills what still runs after `--grace`
seconds. The exit status is the first failing process's (128 + the signal's
number for a killed one), else 0. A backend other than JAX is refused
before any process starts.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time

from gan_keras.cli import flags
from gan_keras.core.errors import EXIT_USAGE, UserError

JOB_FLAGS = ("--coordinator", "--coordinator-bind", "--num-processes", "--process-id")
REPORT_SECONDS = 10  # after a failure, how long the other processes may take to end on their own


def add_arguments(parser):
    parser.add_argument("-n", "--num-processes", type=flags.positive_int, required=True, metavar="N",
                        help="processes to start (one per GPU on a machine with GPUs, or N CPU processes)")
    parser.add_argument("--coordinator", metavar="HOST:PORT",
                        help="address of process 0's coordination service (default: 127.0.0.1 and a free port)")
    parser.add_argument("--grace", type=flags.positive_int, default=30, metavar="SECONDS",
                        help="after a process fails, how long the others may take to stop before they are "
                             "killed (default 30)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- train GAN [flags]: the command every process "
                                                                  "runs")


def run(args):
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command or command[0] != "train":
        raise UserError("launch runs a training command: gan-keras launch -n N -- train GAN [flags]", EXIT_USAGE)
    given = [flag for flag in JOB_FLAGS for word in command if word == flag or word.startswith(flag + "=")]
    if given:
        raise UserError(f"launch sets {given[0]} for every process: leave it out of the command", EXIT_USAGE)
    flags.quiet_tensorflow()
    # Keras loads here, once, before any process starts: its backend decides whether a job can run at all.
    import keras

    from gan_keras.training.processes import check_backend

    check_backend(keras.config.backend())
    coordinator = args.coordinator or f"127.0.0.1:{free_port()}"
    job = Job(command, args.num_processes, coordinator, args.grace)
    return job.run()


def free_port():
    """A TCP port free on 127.0.0.1 now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Job:
    """N processes of one command: started, their output prefixed, signals forwarded, failures handled."""

    def __init__(self, command, count, coordinator, grace):
        self.command, self.count, self.coordinator, self.grace = command, count, coordinator, grace
        self.processes = []
        self.failed = None  # (index, status) of the first failing process
        self.stopping_since = None
        self.requested = False  # a stop asked for with SIGINT/SIGTERM
        self.failed_since = None  # when the first failure was seen (the others may still report their own)
        self.reported = False
        self.last_error = {}  # index -> the last error line a process printed
        self.lock = threading.Lock()

    def run(self):
        previous = {sig: signal.signal(sig, self._forward) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.readers = [self._start(i) for i in range(self.count)]
            self._watch()
            for reader in self.readers:
                reader.join(timeout=5)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if self.failed is not None:
            return self.failed[1]
        return max((self._status(p.returncode) for p in self.processes), default=0)

    def _start(self, index):
        env = dict(os.environ, KERAS_DISTRIBUTION_JOB_ADDRESSES=self.coordinator,
                   KERAS_DISTRIBUTION_NUM_PROCESSES=str(self.count), KERAS_DISTRIBUTION_PROCESS_ID=str(index),
                   PYTHONUNBUFFERED="1")
        # Its own session: a terminal's Ctrl-C reaches the launcher only, which forwards it to process 0.
        process = subprocess.Popen([sys.executable, "-m", "gan_keras", *self.command], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                   start_new_session=True)
        self.processes.append(process)
        reader = threading.Thread(target=self._prefix, args=(index, process.stdout), daemon=True)
        reader.start()
        return reader

    def _prefix(self, index, stream):
        for line in iter(stream.readline, b""):
            text = line.decode(errors="replace")
            with self.lock:
                if "error: " in text:
                    self.last_error[index] = text.strip()
                sys.stdout.write(f"[{index}] " + text)
                sys.stdout.flush()

    def _forward(self, signum, frame):
        """SIGINT/SIGTERM: to process 0, which checkpoints and stops the others."""
        self._say(f"{signal.Signals(signum).name}: asking process 0 to stop")
        self._signal(0, signal.SIGINT)
        self.requested = True
        self.stopping_since = self.stopping_since or time.monotonic()

    def _watch(self):
        while any(p.poll() is None for p in self.processes):
            self._note_failure()
            self._stop_after_failure()
            if self.stopping_since is not None and time.monotonic() - self.stopping_since > self.grace:
                for index, process in enumerate(self.processes):
                    if process.poll() is None:
                        self._say(f"process {index} still runs {self.grace} s later: killed")
                        process.kill()
                self.stopping_since = None
            time.sleep(0.1)
        self._note_failure()
        if self.failed is not None and not self.requested and not self.reported:  # all ended on their own
            for reader in self.readers:
                reader.join(timeout=5)  # their last lines first
            self._report()

    def _note_failure(self):
        """The first failure, noted once: a killed process before one that stopped because of it."""
        if self.failed is not None:
            return
        ended = [(i, p.returncode) for i, p in enumerate(self.processes) if p.poll() is not None and p.returncode]
        if not ended:
            return
        index, code = min(ended, key=lambda item: (item[1] >= 0, item[0]))  # killed by a signal first
        self.failed = (index, self._status(code))
        # A killed process says nothing itself and leaves the others waiting in a collective: stopped at once.
        self.failed_since = time.monotonic() - (REPORT_SECONDS if code < 0 else 0)

    def _stop_after_failure(self):
        """`REPORT_SECONDS` after a failure, the failure said in one line, and what still runs asked to stop."""
        if self.failed_since is None or time.monotonic() - self.failed_since < REPORT_SECONDS:
            return
        self.failed_since = None
        if self.requested:
            return
        self._report()
        running = [i for i, p in enumerate(self.processes) if p.poll() is None]
        if running:
            self._say(f"stopping process{'es' if len(running) > 1 else ''} {', '.join(map(str, running))}")
            for index in ([0] if 0 in running else running):  # process 0 stops the others; without it, each
                self._signal(index, signal.SIGINT)
            self.stopping_since = time.monotonic()

    def _report(self):
        self.reported = True
        index, _ = self.failed
        code = self.processes[index].returncode
        said = self.last_error.get(index, "").split("error: ", 1)[-1]
        with self.lock:  # the launcher's own error line, on stderr, as every command's
            print(f"gan-keras launch: error: process {index} {self._describe(code)}" + (f": {said}" if said else ""),
                  file=sys.stderr, flush=True)

    def _signal(self, index, sig):
        process = self.processes[index] if index < len(self.processes) else None
        if process is not None and process.poll() is None:
            process.send_signal(sig)

    def _say(self, text):
        with self.lock:
            print(f"launch: {text}", flush=True)

    @staticmethod
    def _status(code):
        return 128 - code if code < 0 else code

    @staticmethod
    def _describe(code):
        if code < 0:
            return f"was killed by {signal.Signals(-code).name}"
        return f"ended with exit status {code}"
