"""Trains the frozen Fashion-MNIST classifier that the evaluation looks through.

    python scripts/train_classifier.py --out /tmp/classifier.weights.h5

The same as `gan-keras train-classifier`; `--help` lists every flag.
"""

from gan_keras.cli import COMMANDS, run_script

if __name__ == "__main__":
    run_script(COMMANDS["train-classifier"], __doc__.splitlines()[0])
