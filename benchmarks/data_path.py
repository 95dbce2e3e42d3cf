"""The data path of a folder run beside its training step (gan_keras/cli/views/data_path.py).

    python benchmarks/data_path.py [--images 2000] [--size 64] [--batch-size 32] [--folder DIR]
"""

from gan_keras.cli import Command, run_script
from gan_keras.cli.views import data_path

if __name__ == "__main__":
    description = __doc__.splitlines()[0]
    run_script(Command("data_path", description, data_path.add_arguments, data_path.run), description)
