"""Several warm-ups of the averaged generator side by side in one training run (gan_keras/cli/views/ema_warmup.py).

    python benchmarks/ema_warmup.py --steps 468 --at 50,100,150,200,468 --warmups 0,10,20,50 --n 10000
"""

from gan_keras.cli import Command, run_script
from gan_keras.cli.views import ema_warmup

if __name__ == "__main__":
    description = __doc__.splitlines()[0]
    run_script(Command("ema_warmup", description, ema_warmup.add_arguments, ema_warmup.run), description)
