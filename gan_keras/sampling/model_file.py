"""Keras model files read with one-line errors: a damaged file is named as such, never a traceback.

Keras answers a `.keras` file that is not a zip archive (garbage bytes, a
half-copied file) with "File not found", though the file is there; a run
that loads a model it saved earlier (StackGAN's text encoder and Stage-I
generator) would end in that traceback. `load_model` says instead which file
is damaged, and what to do.
"""

import os
import zipfile

from gan_keras.core.errors import UserError

REASON_CHARACTERS = 200  # of Keras' own message, in ours


def load_model(path, what="Keras model", remedy=None):
    """Loads the `.keras` file `path` (not compiled), or says in one line why it cannot.

    Custom layers must be registered before (by importing the module that
    defines them, e.g. `gan_keras.models.stackgan`).

    Args:
        path: The `.keras` file.
        what: What the file holds, for the message, e.g. "text encoder".
        remedy: What the user can do about a damaged file, appended to the
            message (e.g. "start afresh with --overwrite"); or None.

    Returns:
        The Keras model.

    Raises:
        UserError: (exit status 1) if the file is missing, cannot be read,
            is not a Keras archive, or Keras cannot load it; the message
            names the file and `what`.
    """
    # Keras loads when a model file is read, not while a command parses its flags.
    import keras

    advice = f"; {remedy}" if remedy else ""
    if not os.path.isfile(path):
        raise UserError(f"no {what} file at {path}{advice}")
    try:
        with open(path, "rb"):
            pass
        archive = zipfile.is_zipfile(path)
    except OSError as error:
        raise UserError(f"cannot read the {what} {path}: {error.strerror or error}{advice}") from None
    if not archive:
        raise UserError(f"the {what} {path} is damaged (not a Keras archive: not a zip file){advice}")
    try:
        return keras.models.load_model(path, compile=False)
    except Exception as error:  # keras raises many types for a bad archive
        text = str(error).strip()
        reason = text.splitlines()[0] if text else type(error).__name__
        reason = reason if len(reason) <= REASON_CHARACTERS else reason[:REASON_CHARACTERS] + "..."
        raise UserError(f"the {what} {path} is damaged (Keras cannot load it: {reason}){advice}") from None
