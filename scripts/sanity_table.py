"""Prints the README's sanity table

     the metrics of real, damaged and collapsed Fashion-MNIST images.:python scripts/sanity_table.py --n 2000

The same as `gan-keras sanity-table`; `--help` lists every flag.
"""

from gan_keras.cli import COMMANDS, run_script

if __name__ == "__main__":
    run_script(COMMANDS["sanity-table"], __doc__.splitlines()[0])
