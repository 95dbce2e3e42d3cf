"""One training run in several processes (JAX's distributed runtime over loopback): equality, resume, faults.

Every run here is a real job of separate processes on 127.0.0.1 (gloo CPU
collectives), started by `gan-keras launch` or by hand, with free ports.
Run with JAX installed (what `make test-backends` does):

    .venv/bin/python -m pytest -q tests/multiprocess_jax.py

Not collected by the default test run (its name does not start with `test_`):
it needs JAX. The tolerance of "two processes repeat one" (README, "Several
processes and machines"): the first step agrees to 1e-5, and every logged loss
of the 8 steps to 2% relative (`ONE_VS_TWO_RTOL`), because the gradients of the
two halves of each batch are summed in another order than one process sums
the whole batch, and a GAN's training amplifies that float32 rounding step by
step; runs with the same number of processes repeat each other exactly.
"""

import csv
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.conftest import write_tiny_fashion

LOSSES = ("d_loss_real", "d_loss_fake", "g_loss")
ONE_VS_TWO_RTOL = 2e-2
DCGAN = ["train", "dcgan", "--engine", "compiled", "--batch-size", "16", "--no-eval", "--no-progress",
         "--deterministic", "--seed", "3"]
# The MLP GAN compiles in seconds: the resumes and the faults use it (one step per epoch of the tiny data).
MLP = ["train", "mlp", "--engine", "compiled", "--batch-size", "4", "--no-progress", "--deterministic", "--seed", "3"]


def environment(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KERAS_DISTRIBUTION_") and k != "XLA_FLAGS"}
    env.update({"KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3", "GAN_KERAS_NO_DOWNLOAD": "1",
                "GAN_KERAS_CONNECT_SECONDS": "20", "GAN_KERAS_HEARTBEAT_SECONDS": "10", **extra})
    return env


def gan_keras(*args, env=None, timeout=600):
    return subprocess.run([sys.executable, "-m", "gan_keras", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env or environment())


def start(*args, env=None):
    return subprocess.Popen([sys.executable, "-m", "gan_keras", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env or environment())


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def history(folder):
    with open(os.path.join(folder, "history.csv")) as f:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]


def losses(rows):
    return np.array([[row[k] for k in LOSSES] for row in rows])


def errors(result):
    """The error lines of a finished command (stderr, without the runtime's log lines)."""
    text = result.stderr if isinstance(result, subprocess.CompletedProcess) else result
    return [line for line in text.splitlines() if "error:" in line]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_tiny_fashion(tmp_path_factory.mktemp("mp") / "fashion")


def one(command, out, steps, *extra):
    return ["train", *command[1:], "--output-dir", out, "--steps", steps, *extra]


def two(command, out, steps, *extra):
    return ["launch", "-n", 2, "--", *one(command, out, steps, *extra)]


def together(*runs):
    """Runs `gan-keras` commands at the same time (their compilations, mostly one thread each, overlap)."""
    started = [start(*args) for args in runs]
    printed = [process.communicate(timeout=600)[0] for process in started]
    for process, text in zip(started, printed):
        assert process.returncode == 0, text
    return printed


@pytest.fixture(scope="module")
def dcgan_runs(tmp_path_factory, data):
    """One-process and two-process DCGAN runs of 8 steps (4 steps per epoch of the tiny data)."""
    root = tmp_path_factory.mktemp("mp_dcgan")
    command = [*DCGAN, "--data-dir", data]
    _, printed = together(one(command, root / "one", 8), two(command, root / "two", 8))
    return root, printed


@pytest.fixture(scope="module")
def mlp_runs(tmp_path_factory, data):
    """A two-process MLP GAN run of 8 steps, and one of 4 steps resumed to 8 by two processes and by one."""
    root = tmp_path_factory.mktemp("mp_mlp")
    command = [*MLP, "--data-dir", data]
    together(two(command, root / "two", 8), two(command, root / "half", 4))
    shutil.copytree(root / "half", root / "two_then_one")
    together(two(command, root / "half", 8, "--resume"), one(command, root / "two_then_one", 8, "--resume"))
    return root


def test_two_processes_repeat_one_process_with_the_same_global_batch(dcgan_runs):
    root, printed = dcgan_runs
    one, two = history(root / "one"), history(root / "two")
    assert [r["step"] for r in two] == list(range(1, 9))
    np.testing.assert_allclose(losses(two)[0], losses(one)[0], rtol=1e-5)
    np.testing.assert_allclose(losses(two), losses(one), rtol=ONE_VS_TWO_RTOL)
    assert "[1] Process 1 of 2: follows process 0" in printed
    assert "this process writes no file" in printed
    assert "[0] Training dcgan: steps 1..8, batch 16" in printed


def test_only_process_0_writes_the_run_folder(dcgan_runs):
    root, _ = dcgan_runs
    assert sorted(os.listdir(root / "two")) == sorted(os.listdir(root / "one"))
    assert sorted(os.listdir(root)) == ["one", "two"]


def test_a_job_resumes_exactly_with_the_same_number_of_processes(mlp_runs):
    np.testing.assert_array_equal(losses(history(mlp_runs / "half")), losses(history(mlp_runs / "two")))


def test_a_job_resumes_with_another_number_of_processes(mlp_runs):
    two, two_then_one = losses(history(mlp_runs / "two")), losses(history(mlp_runs / "two_then_one"))
    np.testing.assert_array_equal(two_then_one[:4], two[:4])  # the rows up to the checkpoint are kept
    # From the same checkpoint, one process's next step agrees with two processes' to float rounding.
    np.testing.assert_allclose(two_then_one[4], two[4], rtol=1e-4)
    np.testing.assert_allclose(two_then_one, two, rtol=ONE_VS_TWO_RTOL)


def _children(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(p) for p in f.read().split()]


def _wait_for(path, process, seconds=300):
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        assert process.poll() is None, process.stdout.read()
        assert time.monotonic() < deadline, f"no {path} after {seconds} s"
        time.sleep(0.2)


def test_a_killed_process_stops_the_job_with_one_line_and_the_checkpoint_resumes(tmp_path, data):
    out = tmp_path / "run"
    launch = start("launch", "-n", 2, "--grace", 20, "--", *MLP, "--data-dir", data, "--output-dir", out,
                   "--steps", 100000, "--checkpoint-interval", 2, "--save-interval", 100000)
    _wait_for(out / "checkpoint.npz", launch)
    follower = _children(launch.pid)[1]
    os.kill(follower, signal.SIGKILL)
    killed = time.monotonic()
    printed, _ = launch.communicate(timeout=120)
    assert time.monotonic() - killed < 60, "the job took longer than the heartbeat bound to stop"
    assert launch.returncode != 0
    assert "gan-keras launch: error: process 1 was killed by SIGKILL" in printed
    leader_errors = [line for line in printed.splitlines() if line.startswith("[0] gan-keras: error:")]
    assert len(leader_errors) == 1 and "another process stopped answering" in leader_errors[0], printed
    assert "Traceback" not in printed
    rows = history(out)
    resumed = gan_keras(*MLP, "--data-dir", data, "--output-dir", out, "--steps", int(rows[-1]["step"]) + 2,
                        "--resume")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    saved = int(resumed.stdout.split("Resuming from step ")[1].split()[0])
    after = history(out)
    assert [int(r["step"]) for r in after] == list(range(1, int(rows[-1]["step"]) + 3))
    assert saved >= 2 and saved % 2 == 0  # a checkpoint of --checkpoint-interval 2
    np.testing.assert_array_equal(losses(after[:saved]), losses(rows[:saved]))


def test_ctrl_c_reaches_process_0_which_checkpoints_and_stops_the_job(tmp_path, data):
    out = tmp_path / "run"
    launch = start("launch", "-n", 2, "--", *MLP, "--data-dir", data, "--output-dir", out, "--steps", 100000,
                   "--checkpoint-interval", 2, "--save-interval", 100000)
    _wait_for(out / "checkpoint.npz", launch)
    launch.send_signal(signal.SIGINT)
    printed, _ = launch.communicate(timeout=120)
    assert launch.returncode == 130, printed
    assert "launch: SIGINT: asking process 0 to stop" in printed
    assert "[0] Interrupted at step" in printed and "Traceback" not in printed
    step = int(printed.split("[0] Interrupted at step ")[1].split(":")[0])
    assert history(out)[-1]["step"] == step


def listening_addresses(pids):
    """The addresses on which processes `pids` listen for TCP connections, from /proc/net/tcp and tcp6."""
    inodes = set()
    for pid in pids:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    found = []
    for table, width in (("tcp", 8), ("tcp6", 32)):
        with open(f"/proc/net/{table}") as f:
            for row in list(f)[1:]:
                fields = row.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state == "0A" and inode in inodes:  # 0A: LISTEN
                    address, port = local.split(":")
                    raw = bytes.fromhex(address)
                    # /proc prints each 32-bit word in host (little-endian) order
                    raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
                    ip = ipaddress.ip_address(raw)
                    found.append((getattr(ip, "ipv4_mapped", None) or ip, int(port, 16)))
    return found


def children(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(p) for p in f.read().split()]


def test_a_local_job_listens_on_loopback_only(tmp_path, data):
    out = tmp_path / "run"
    launch = start("launch", "-n", 2, "--", *MLP, "--data-dir", data, "--output-dir", out, "--steps", 100000,
                   "--checkpoint-interval", 2, "--save-interval", 100000)
    try:
        _wait_for(out / "checkpoint.npz", launch)  # training: the coordinator and the collectives are up
        pids = children(launch.pid)
        assert len(pids) == 2
        addresses = listening_addresses(pids)
        assert addresses, "the job's coordinator and collectives listen somewhere"
        assert all(address.is_loopback for address, _ in addresses), addresses
    finally:
        launch.send_signal(signal.SIGINT)
        printed, _ = launch.communicate(timeout=120)
    assert launch.returncode == 130, printed


def test_a_coordinator_that_does_not_answer_is_one_line_and_writes_nothing(tmp_path, data):
    result = gan_keras(*DCGAN, "--data-dir", data, "--output-dir", tmp_path / "run", "--steps", 2,
                       "--num-processes", 2, "--process-id", 1, "--coordinator", f"127.0.0.1:{free_port()}",
                       env=environment(GAN_KERAS_CONNECT_SECONDS="3"))
    assert result.returncode == 1 and len(errors(result)) == 1 and "could not join the job" in errors(result)[0]
    assert not os.path.exists(tmp_path / "run")


def no_abort(status, text):
    """A process that ended with one line of its own: no SIGABRT (134 or -6), no C++ or Python trace."""
    assert status not in (134, -6) and "Check failure" not in text and "Traceback" not in text, text
    return [line for line in text.splitlines() if "error:" in line]


def test_process_0_alone_stops_with_one_line_when_nobody_joins(tmp_path, data):
    result = gan_keras(*MLP, "--data-dir", data, "--output-dir", tmp_path / "run", "--steps", 2,
                       "--num-processes", 2, "--process-id", 0, "--coordinator", f"127.0.0.1:{free_port()}",
                       env=environment(GAN_KERAS_CONNECT_SECONDS="3"))
    lines = no_abort(result.returncode, result.stdout + result.stderr)
    assert result.returncode == 1 and len(lines) == 1
    assert "process 0 of 2: process 1 did not join within 3 s" in lines[0]
    assert not os.path.exists(tmp_path / "run")


@pytest.mark.parametrize("second, status, words", [
    (["--no-such-flag"], 2, "process 1 of 2 refused to start: unrecognized arguments: --no-such-flag"),
    (["--engine", "book"], 2, "process 1 of 2 refused to start: --num-processes 2 needs --engine compiled"),
    (["--ema-warmup", "1"], 2, "process 1 of 2 refused to start: --ema-warmup must be 0 (off) or an integer >= 2"),
])
def test_process_0_started_by_hand_stops_with_one_line_when_process_1_refuses(tmp_path, data, second, status, words):
    port = free_port()
    job = ["--data-dir", data, "--output-dir", tmp_path / "run", "--steps", 2, "--num-processes", 2,
           "--coordinator", f"127.0.0.1:{port}"]
    first = start(*MLP, *job, "--process-id", 0, env=environment(GAN_KERAS_CONNECT_SECONDS="5"))
    refused = gan_keras(*MLP, *job, "--process-id", 1, *second, timeout=120)
    assert refused.returncode == 2 and len(errors(refused)) == 1, refused.stderr
    printed, _ = first.communicate(timeout=120)
    lines = no_abort(first.returncode, printed)
    assert first.returncode == status and len(lines) == 1 and words in lines[0], printed
    assert not os.path.exists(tmp_path / "run")


def test_a_follower_whose_leader_goes_away_before_the_start_stops_with_one_line(tmp_path, data):
    port = free_port()
    job = ["--data-dir", data, "--output-dir", tmp_path / "run", "--steps", 2, "--num-processes", 3,
           "--coordinator", f"127.0.0.1:{port}"]
    leader = start(*MLP, *job, "--process-id", 0)
    follower = start(*MLP, *job, "--process-id", 1)
    time.sleep(8)  # both have loaded and met in the roll call; process 2 never comes
    assert leader.poll() is None and follower.poll() is None
    leader.kill()
    printed, _ = follower.communicate(timeout=60)
    lines = no_abort(follower.returncode, printed)
    assert follower.returncode == 1 and len(lines) == 1
    assert "process 1 of 3: process 0 at 127.0.0.1" in lines[0] and "stopped before the job started" in lines[0]
    leader.communicate()


@pytest.mark.parametrize("first, second, words", [
    ((3, 1), (4, 2), "process 2 was started with --num-processes 4, process 0 with 3"),
    ((3, 1), (3, 1), "two processes were started with --process-id 1"),
])
def test_processes_of_another_count_or_the_same_id_stop_with_one_line_each(tmp_path, data, first, second, words):
    port = free_port()
    job = ["--data-dir", data, "--output-dir", tmp_path / "run", "--steps", 2, "--coordinator", f"127.0.0.1:{port}"]
    leader = start(*MLP, *job, "--num-processes", first[0], "--process-id", 0)
    a = start(*MLP, *job, "--num-processes", first[0], "--process-id", first[1])
    time.sleep(6)
    b = start(*MLP, *job, "--num-processes", second[0], "--process-id", second[1])
    for process in (leader, b):
        printed, _ = process.communicate(timeout=120)
        lines = no_abort(process.returncode, printed)
        assert process.returncode == 2 and len(lines) == 1 and words in lines[0], printed
    printed, _ = a.communicate(timeout=120)
    assert a.returncode == 2 and words in printed and len(no_abort(a.returncode, printed)) == 1
    assert not os.path.exists(tmp_path / "run")


def test_a_coordinator_address_not_of_process_0_s_machine_is_refused_in_one_line(tmp_path, data):
    # 192.0.2.1 (TEST-NET-1, RFC 5737) is no address of this machine; binding to it sends nothing anywhere.
    result = gan_keras(*MLP, "--data-dir", data, "--output-dir", tmp_path / "run", "--steps", 2,
                       "--num-processes", 2, "--process-id", 0, "--coordinator", "192.0.2.1:29500")
    lines = no_abort(result.returncode, result.stdout + result.stderr)
    assert result.returncode == 2 and len(lines) == 1
    assert "192.0.2.1 is not an address of this machine" in lines[0] and "--coordinator-bind" in lines[0]


def test_launch_under_another_backend_refuses_once_before_starting_anything(tmp_path):
    result = gan_keras("launch", "-n", 2, "--", *MLP, "--output-dir", tmp_path / "run", "--steps", 2,
                       env=environment(KERAS_BACKEND="tensorflow"))
    assert result.returncode == 2 and len(errors(result)) == 1, result.stdout + result.stderr
    assert "JAX backend only" in errors(result)[0] and "[0]" not in result.stdout
    assert not os.path.exists(tmp_path / "run")


def test_launch_reports_a_process_s_refusal_as_its_one_line_without_a_trace(tmp_path, data):
    # Process 1 refuses an option of another GAN at once; process 0 is still loading when it does.
    result = gan_keras("launch", "-n", 2, "--", *MLP, "--data-dir", data, "--output-dir", tmp_path / "run",
                       "--steps", 2, "--engine", "book")
    assert result.returncode == 2 and "Traceback" not in result.stdout + result.stderr, result.stdout
    said = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(said) == 1 and said[0].startswith("gan-keras launch: error: process "), result.stderr
    assert "ended with exit status 2: --num-processes 2 needs --engine compiled" in said[0]
    assert not os.path.exists(tmp_path / "run")


@pytest.mark.parametrize("flags, words", [
    (["--num-processes", 2, "--process-id", 2, "--coordinator", "127.0.0.1:1"], ["--process-id", "0..1"]),
    (["--num-processes", 2, "--process-id", 0], ["--coordinator"]),
    (["--num-processes", 2, "--process-id", 0, "--coordinator", "localhost"], ["HOST:PORT"]),
])
def test_bad_job_flags_are_one_line(tmp_path, data, flags, words):
    result = gan_keras(*DCGAN, "--data-dir", data, "--output-dir", tmp_path / "run", "--steps", 2, *flags)
    assert result.returncode == 2 and len(errors(result)) == 1, result.stderr
    assert all(word in errors(result)[0] for word in words)
    assert not os.path.exists(tmp_path / "run")


def test_processes_started_with_other_flags_stop_with_one_line_each(tmp_path, data):
    port = free_port()
    job = ["--num-processes", 2, "--coordinator", f"127.0.0.1:{port}", "--data-dir", data,
           "--output-dir", tmp_path / "run", "--steps", 2]
    first = start(*DCGAN, *job, "--process-id", 0)
    second = gan_keras(*DCGAN[:5], "32", *DCGAN[6:], *job, "--process-id", 1, timeout=120)
    printed, _ = first.communicate(timeout=120)
    for status, text in ((first.returncode, printed), (second.returncode, second.stderr)):
        assert status == 2 and len(errors(text)) == 1, text
        assert "process 1 was started with other settings than process 0: --batch-size" in errors(text)[0]
    assert not os.path.exists(tmp_path / "run")


@pytest.mark.parametrize("backend", ["tensorflow", "torch"])
def test_other_backends_refuse_several_processes_with_one_line(tmp_path, data, backend):
    result = gan_keras(*DCGAN, "--data-dir", data, "--output-dir", tmp_path / "run", "--steps", 2,
                       "--num-processes", 2, "--process-id", 0, "--coordinator", "127.0.0.1:1",
                       env=environment(KERAS_BACKEND=backend))
    assert result.returncode == 2 and len(errors(result)) == 1
    assert "JAX backend only" in errors(result)[0] and "--devices" in errors(result)[0]
    assert not os.path.exists(tmp_path / "run")


@pytest.mark.parametrize("command, words", [
    (["train", "srgan", "--engine", "compiled"], ["phases"]),
    (["train", "dcgan"], ["--engine compiled"]),
])
def test_what_a_job_cannot_run_is_refused_in_one_line(tmp_path, command, words):
    result = gan_keras("launch", "-n", 2, "--", *command, "--output-dir", tmp_path / "run", "--steps", 2)
    assert result.returncode == 2, result.stdout
    assert all(word in result.stdout for word in words)
    assert not os.path.exists(tmp_path / "run")
