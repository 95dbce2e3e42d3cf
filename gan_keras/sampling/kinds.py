"""What a saved generator does, and so which command runs it: one check for every command that loads one.

`GeneratorInfo.kind` (`gan_keras.sampling.artifact`) is one of four kinds;
`check_kind`, called by `artifact.load_generator`, refuses a generator of
another kind than the loading command runs, in one line naming the command
that runs it: `sample` and `evaluate` draw from noise, `sample --caption`
from captions, `translate` translates images of one size (pix2pix),
`upscale` upscales images of any size (SRGAN).
"""

import enum

from gan_keras.core.errors import UserError


class GeneratorKind(enum.Enum):
    """What a generator does, and so which command runs it (`GeneratorInfo.kind`).

    Each value is `(what it does, the command that runs it)`.
    """

    NOISE = ("draws images (or 1-D samples) from noise", "gan-keras sample")
    CAPTIONS = ("draws images from captions", "gan-keras sample --caption TEXT")
    TRANSLATOR = ("translates images of one size", "gan-keras translate")
    UPSCALER = ("upscales images of any size", "gan-keras upscale")

    @property
    def does(self):
        return self.value[0]

    @property
    def command(self):
        return self.value[1]


def check_kind(path, info, kinds, command):
    """Refuses a generator that is not of one of `kinds`, naming the command that runs it.

    Args:
        path: The generator's file, for the message.
        info: Its `GeneratorInfo`.
        kinds: The accepted `GeneratorKind`s (None: any).
        command: The refusing command, e.g. "gan-keras translate".

    Raises:
        UserError: (exit status 1) e.g. "g.keras upscales images of any size
            (a srgan generator), which `gan-keras translate` does not take:
            use `gan-keras upscale --generator g.keras`".
    """
    if kinds is None or info.kind in kinds:
        return
    raise UserError(f"{path} {info.kind.does} (a {info.model} generator), which `{command or 'this command'}` "
                    f"does not take: use `{info.kind.command} --generator {path}`")
