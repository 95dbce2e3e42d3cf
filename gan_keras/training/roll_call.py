"""The roll call that starts a job of several processes, before JAX's runtime: one line for every failure.

`jax.distributed.initialize` aborts a process (a C++ stack trace, SIGABRT)
when its coordination service waits in vain for a process, so no process
calls it before all are known to be there. The leader (process 0) listens
on the coordinator's address (`bind_address`: that address itself, or
`--coordinator-bind`; never every interface unless asked), and each
follower connects and says one line:

    JOIN count index              ready to join
    REFUSE count index message    refused its flags (`refuse`)

The leader answers each with one line once every follower said JOIN, at
most `GAN_KERAS_CONNECT_SECONDS` after it started listening:

    GO                            stop listening; JAX's service starts on the port
    STOP status message           the job does not start (a refusal, a
                                  missing process, a wrong count or id)

Every process that does not start says why in one line and exits with
`status` (2 for flags, 1 for a process that did not come). A connection that
says neither line (a port scan) is ignored.
"""

import errno
import ipaddress
import os
import socket
import time

from gan_keras.core.errors import EXIT_DATA_OR_IO, EXIT_USAGE, UserError

REFUSAL_SECONDS = 10  # how long a follower that refused tries to tell the leader (it listens before Keras loads)


def bind_address(group, bind=None):
    """Where the leader listens: `(host, port)`, numeric, an address of this machine.

    Args:
        group: The `ProcessGroup` (its coordinator "HOST:PORT").
        bind: "HOST:PORT" to listen on instead (`--coordinator-bind`), e.g.
            "0.0.0.0:PORT" for every interface; None: the coordinator's own
            address (or `$JAX_COORDINATOR_BIND_ADDRESS`).

    Returns:
        `(host, port)` with host an IPv4 or IPv6 address.

    Raises:
        UserError: (exit status 2) if the address is not HOST:PORT or does
            not resolve.
    """
    given = bind or os.environ.get("JAX_COORDINATOR_BIND_ADDRESS") or group.coordinator
    host, port = split(given, "--coordinator-bind" if bind else "--coordinator")
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise UserError(f"the coordinator's address {given} does not resolve ({error.strerror or error}): give "
                        f"an address of the machine of process 0", EXIT_USAGE) from None
    addresses = [item[4][0] for item in found]
    return next((a for a in addresses if ipaddress.ip_address(a.split("%")[0]).version == 4), addresses[0]), port


def is_loopback(group):
    """Whether the job's coordinator is on loopback (127.0.0.0/8, localhost, ::1): a job of this machine alone."""
    host, port = split(group.coordinator, "--coordinator")
    try:
        found = {item[4][0] for item in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    except OSError:
        return False
    return bool(found) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in found)


def split(address, flag):
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UserError(f"{flag} must be HOST:PORT, got {address!r}", EXIT_USAGE)
    return host.strip("[]"), int(port)


def refuse(group, message):
    """A follower that refuses its flags tells the leader, which stops the job at once (best effort).

    Args:
        group: This process's `ProcessGroup`.
        message: The refusal, one line.
    """
    if group.leader:
        return
    try:
        connection = _connect(group, REFUSAL_SECONDS)
    except UserError:
        return  # no leader listens (it refused too, or is gone): this process's own line says it all
    with connection:
        try:
            connection.sendall(f"REFUSE {group.count} {group.index} {' '.join(message.split())}\n".encode())
        except OSError:
            pass


def _connect(group, seconds):
    """A connection to the leader's roll call, tried for `seconds`; one line (exit status 1) after."""
    host, port = split(group.coordinator, "--coordinator")
    deadline = time.monotonic() + seconds
    while True:
        try:
            return socket.create_connection((host, port), timeout=1)
        except OSError as error:
            if time.monotonic() >= deadline:
                raise UserError(f"process {group.index} of {group.count} could not join the job: no coordinator "
                                f"answers at {group.coordinator} within {seconds} s ({error.strerror or error}); "
                                f"start process 0 there, or check the address") from None
            time.sleep(0.5)


def answer(group, seconds):
    """A follower's side of the roll call: says it is ready, waits for the leader's go (or its one-line stop)."""
    with _connect(group, seconds) as connection:
        try:
            connection.sendall(f"JOIN {group.count} {group.index}\n".encode())
            connection.settimeout(2 * seconds)  # the leader answers within its own `seconds`, started later
            line = _read_line(connection)
        except socket.timeout:
            raise UserError(f"process {group.index} of {group.count}: process 0 at {group.coordinator} did not "
                            f"start the job within {2 * seconds} s") from None
        except OSError as error:
            line = f"LOST {error.strerror or error}"
    if line == "GO":
        return
    if line.startswith("STOP "):
        code, _, message = line[5:].partition(" ")
        raise UserError(f"process {group.index} of {group.count}: the job did not start: {message}",
                        int(code) if code.isdigit() else EXIT_DATA_OR_IO)
    if not line or line.startswith("LOST"):
        raise UserError(f"process {group.index} of {group.count}: process 0 at {group.coordinator} stopped before "
                        f"the job started; see its own lines")
    raise UserError(f"process {group.index} of {group.count}: {group.coordinator} is not process 0 of a gan-keras "
                    f"job (it answered {line[:40]!r}): check --coordinator")


def wait_for_coordinator(group, seconds):
    """Waits until JAX's coordination service accepts connections: JAX aborts a process that finds none."""
    _connect(group, seconds).close()


def _read_line(connection, limit=4096):
    data = b""
    while not data.endswith(b"\n") and len(data) < limit:
        chunk = connection.recv(limit - len(data))
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace").strip()


class RollCall:
    """The leader's side of the roll call: waits for every follower, then says go, or stops them all.

    Listens on `(host, port)` from its creation (before the leader loads
    Keras, so that followers are heard early), until every follower
    1..count-1 said `JOIN count index` (or one said `REFUSE count index
    message`), at most `seconds` after `run` starts; stops listening, then
    answers `GO` (or `STOP status message`) on each connection. A leader that
    refuses its own flags calls `stop`.

    Raises:
        UserError: (exit status 2) if `host` is not an address of this
            machine; (exit status 1) if the port is taken.
    """

    def __init__(self, group, host, port, seconds):
        self.group, self.host, self.port, self.seconds = group, host, port, seconds
        self.joined = {}  # index -> connection
        self.offending = []  # the connection of a process that stops the job: told why too
        self.server = self._listen()

    def run(self):
        try:
            self._gather(self.server)
        except UserError as error:
            self.stop(error)
            raise
        self.server.close()  # JAX's service takes the port next; the followers wait for it (`wait_for_coordinator`)
        self._answer("GO")

    def stop(self, error):
        """Stops listening and answers `STOP` with `error` to every follower that has spoken or is waiting."""
        self.server.settimeout(0.2)
        try:
            while True:  # the followers already queued: each is told why the job does not start
                connection, _ = self.server.accept()
                connection.settimeout(2)
                self.offending.append(connection)
        except OSError:
            pass
        self.server.close()
        self._answer(f"STOP {error.exit_code} {' '.join(str(error).split())}")

    def _listen(self):
        group = self.group
        server = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            server.bind((self.host, self.port))
        except OSError as error:
            server.close()
            if error.errno == errno.EADDRNOTAVAIL:
                raise UserError(f"process 0 listens at {group.coordinator}, but {self.host} is not an address of "
                                f"this machine: give process 0's own address as --coordinator (or "
                                f"--coordinator-bind HOST:PORT)", EXIT_USAGE) from None
            raise UserError(f"process 0 cannot listen at {self.host}:{self.port}: {error.strerror or error} "
                            f"(choose another --coordinator port)") from None
        server.listen(group.count)
        server.settimeout(1)
        return server

    def _gather(self, server):
        group = self.group
        deadline = time.monotonic() + self.seconds
        while len(self.joined) < group.count - 1:
            if time.monotonic() >= deadline:
                missing = [str(i) for i in range(1, group.count) if i not in self.joined]
                raise UserError(f"process 0 of {group.count}: process{'es' if len(missing) > 1 else ''} "
                                f"{', '.join(missing)} did not join within {self.seconds} s "
                                f"(GAN_KERAS_CONNECT_SECONDS): start every process with the same --coordinator, "
                                f"or read their own lines")
            try:
                connection, _ = server.accept()
            except socket.timeout:
                continue
            connection.settimeout(5)
            try:
                words = _read_line(connection).split(" ", 3)
            except OSError:
                words = []
            if len(words) < 3 or words[0] not in ("JOIN", "REFUSE") or not words[1].isdigit() or not (
                    words[2].isdigit()):
                connection.close()  # not a process of this job (a port scan, a health check): ignored
                continue
            count, index = int(words[1]), int(words[2])
            if words[0] == "REFUSE":
                connection.close()  # it refused and left: nothing to tell it
                raise UserError(f"process {index} of {group.count} refused to start: "
                                f"{words[3] if len(words) > 3 else 'see its own lines'}", EXIT_USAGE)
            if count != group.count:
                self.offending.append(connection)
                raise UserError(f"process {index} was started with --num-processes {count}, process 0 with "
                                f"{group.count}: start every process with the same flags", EXIT_USAGE)
            if not 0 < index < count or index in self.joined:
                self.offending.append(connection)
                raise UserError(f"two processes were started with --process-id {index}: give each process its "
                                f"own id, 0..{count - 1}", EXIT_USAGE)
            self.joined[index] = connection

    def _answer(self, line):
        for connection in [*self.joined.values(), *self.offending]:
            try:
                connection.sendall((line + "\n").encode())
                connection.recv(1)  # the follower closes first, after reading the answer
            except OSError:
                pass
            finally:
                connection.close()
