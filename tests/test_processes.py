"""A job's settings read before anything starts (no JAX needed): the job flags, the variables, the bind address."""

import pytest

from gan_keras.core.errors import UserError
from gan_keras.training import processes, roll_call
from gan_keras.training.processes import ProcessGroup


@pytest.mark.parametrize("value, seconds", [(None, 60), ("", 60), ("5", 5), (" 12 ", 12)])
def test_the_connect_seconds_come_from_the_variable_or_the_default(monkeypatch, value, seconds):
    if value is None:
        monkeypatch.delenv("GAN_KERAS_CONNECT_SECONDS", raising=False)
    else:
        monkeypatch.setenv("GAN_KERAS_CONNECT_SECONDS", value)
    assert processes._seconds("GAN_KERAS_CONNECT_SECONDS", 60) == seconds


@pytest.mark.parametrize("value", ["soon", "0", "-3", "1.5"])
def test_a_bad_number_of_seconds_is_refused_not_replaced_by_the_default(monkeypatch, value):
    monkeypatch.setenv("GAN_KERAS_HEARTBEAT_SECONDS", value)
    with pytest.raises(UserError, match="GAN_KERAS_HEARTBEAT_SECONDS must be a positive number of seconds") as caught:
        processes._seconds("GAN_KERAS_HEARTBEAT_SECONDS", 30)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("coordinator, bind, address", [
    ("127.0.0.1:1234", None, ("127.0.0.1", 1234)),
    ("localhost:1234", None, ("127.0.0.1", 1234)),
    ("[::1]:1234", None, ("::1", 1234)),
    ("10.0.0.1:1234", "0.0.0.0:1234", ("0.0.0.0", 1234)),  # every interface only where asked
])
def test_process_0_listens_on_the_coordinator_s_own_address(monkeypatch, coordinator, bind, address):
    monkeypatch.delenv("JAX_COORDINATOR_BIND_ADDRESS", raising=False)
    assert roll_call.bind_address(ProcessGroup(coordinator, 2, 0), bind) == address


@pytest.mark.parametrize("coordinator, local", [("127.0.0.1:1", True), ("localhost:1", True), ("[::1]:1", True),
                                                ("192.0.2.1:1", False)])
def test_a_job_on_loopback_is_a_job_of_this_machine(coordinator, local):
    assert roll_call.is_loopback(ProcessGroup(coordinator, 2, 1)) is local
