"""The private JAX API a job of several processes needs, in one place, with the JAX versions it was checked on.

On CPUs the processes of a job exchange gradients with gloo over TCP: each
process listens on a port of the address its machine's name resolves to,
which on many machines is a network interface, not loopback. JAX has no
public setting for that address; `loopback_collectives` gives the CPU
backend gloo collectives bound to 127.0.0.1, for a job whose processes all
run on this machine. It must run after `jax.distributed.initialize` and
before JAX's CPU backend starts (any computation or `jax.devices()`).
"""

import functools

# JAX versions whose private API below was read and tested: [low, high).
CHECKED_JAX = ((0, 5), (0, 11))


def loopback_collectives():
    """Makes this process's CPU collectives (gloo) listen on 127.0.0.1 only.

    Returns:
        True where done; False where JAX's CPU collectives are not gloo, or
        this JAX lacks the private API (its version is outside
        `CHECKED_JAX`): gloo then listens where its default puts it.
    """
    # Only for a job of several processes, after JAX's distributed runtime started.
    import jax

    version = tuple(int(part) for part in jax.__version__.split(".")[:2])
    if not CHECKED_JAX[0] <= version < CHECKED_JAX[1]:
        return False
    try:
        # JAX's private modules load inside the try: a JAX without them leaves gloo where its default puts it.
        from jax._src import config, distributed, xla_bridge
        from jax._src.lib import _jax

        if config.cpu_collectives_implementation.value != "gloo":
            return False
        collectives = _jax.make_gloo_tcp_collectives(distributed_client=distributed.global_state.client,
                                                     hostname="127.0.0.1")
        xla_bridge.register_backend_factory("cpu", functools.partial(xla_bridge.make_cpu_client,
                                                                     collectives=collectives),
                                            priority=0, fail_quietly=False)
    except (ImportError, AttributeError, TypeError):
        return False
    return True
