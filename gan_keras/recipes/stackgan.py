"""StackGAN as a recipe (8.3.1): captions -> 14x14 (Stage-I) -> 28x28 (Stage-II), on captioned Fashion-MNIST.

One command trains, in `DIR` (default `outputs/stackgan`):

1. the text encoder, once, on every caption the templates can make
   (`DIR/text_encoder.keras`, `DIR/captions.json`: vocabulary, templates,
   attribute terciles, the encoder's accuracy); a resumed run loads it;
2. Stage-I in `DIR/stage1`: conditioning augmentation + noise -> 14x14 images
   (the training images, 2x2 block means), matching-aware discriminator;
3. Stage-II in `DIR/stage2`, with Stage-I frozen: 28x28 images. With
   `--ema` each stage keeps its own averaged generator; Stage-II is built
   on Stage-I's raw generator all the same (see `stage1_generator_file`).

Both stages are ordinary runs of the package's trainer (history, grids,
checkpoint, `--resume`, Ctrl-C, report); each ends with `CaptionEvaluation`
on the test split's captions, and `DIR/report.md` puts both side by side.
"""

import dataclasses
import json
import os

import numpy as np

from gan_keras.core import fileio
from gan_keras.core.conditions import Caption
from gan_keras.core.config import Config, positive, setting
from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.data import captions
from gan_keras.data.captions import AttributeThresholds
from gan_keras.data.datasets import load_fashion_mnist, scale_images
from gan_keras.recipes.base import EMA_DECAY, Recipe, TrainingData, memory_estimate
from gan_keras.runs.phases import Phase, Training
from gan_keras.sampling import artifact, model_file

STAGES = ("stage1", "stage2")
STAGE_TITLES = ("Stage-I, enlarged (bicubic)", "Stage-II")
ENCODER_FILE = "text_encoder.keras"
CAPTIONS_FILE = "captions.json"


def _non_negative(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
        return f"must be a number >= 0, got {value!r}"
    return None


@dataclasses.dataclass(frozen=True)
class StackGANConfig(Config):
    """StackGAN: a caption -> 14x14 (Stage-I) -> 28x28 (Stage-II), Fashion-MNIST with captions from its pixels."""

    latent_dim: int = setting(100, "size of the noise z (the paper's 100)", check=positive)
    text_dim: int = setting(64, "size of the text encoder's caption vector", check=positive)
    condition_dim: int = setting(128, "size of the condition c drawn by conditioning augmentation (the paper's 128)",
                                 check=positive)
    # 0.5, not the authors' 2.0: with the averaged generator and 5,000 steps per stage it reaches class
    # accuracy 0.88 on the held-out captions at diversity 14.3 (2.0, 3,000 steps: 0.745; README, "StackGAN").
    kl_weight: float = setting(0.5, "weight of conditioning augmentation's KL term (the authors' released "
                                    "configurations: 2.0; smaller: truer to the caption, less diverse)",
                               check=_non_negative)
    conditioning: str = setting("augmented", "augmented (conditioning augmentation, the paper's) or fixed (the "
                                             "ablation: c is a Dense map of the caption vector, no noise, no KL)",
                                choices=("augmented", "fixed"))


@dataclasses.dataclass(frozen=True)
class CaptionedSet:
    """Images with their classes, attribute levels, and which captions describe them.

    Attributes:
        images: `(n, 28, 28, 1)` float32 in [-1, 1].
        labels: `(n,)` int32 classes.
        levels: `(n, 2)` int32 attribute levels (brightness, width).
    """

    images: np.ndarray
    labels: np.ndarray
    levels: np.ndarray


def preview_captions():
    """The grids' fixed captions: one per class, the attribute levels varied: `(texts, labels, levels)`."""
    labels = np.arange(10, dtype=np.int32)
    levels = np.stack([labels % 3, (labels // 3 + labels) % 3], axis=1).astype(np.int32)
    return [captions.caption(c, tuple(v)) for c, v in zip(labels, levels)], labels, levels


def _load_captioned(config, data_dir):
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(data_dir)
    train, test = scale_images(x_train), scale_images(x_test)
    y_train, y_test = y_train.astype(np.int32), y_test.astype(np.int32)
    thresholds = AttributeThresholds.fit(train, y_train)
    return TrainingData(train, y_train, description="captioned training images",
                        test=(CaptionedSet(train, y_train, thresholds.levels(train, y_train)),
                              CaptionedSet(test, y_test, thresholds.levels(test, y_test)), thresholds))


def caption_table(encoder):
    """Text vectors of every caption the templates make: float32 `(classes, 3, 3, templates, text_dim)`."""
    shape = (len(captions.CLASS_NOUNS), 3, 3, len(captions.TEMPLATES))
    texts = [captions.caption(c, (b, w), t) for c, b, w, t in np.ndindex(*shape)]
    ids = captions.encode(texts, captions.vocabulary())
    return np.asarray(encoder.predict(ids, verbose=0), np.float32).reshape(*shape, -1)


def _text_encoder(config, model_config, thresholds):
    """The run's frozen text encoder: trained afresh and saved, or loaded from `DIR` on --resume."""
    # Keras and scikit-image load when a run starts, not while flags are parsed.
    import keras

    from gan_keras.models.stackgan import build_text_encoder, train_text_encoder

    # A fresh run on a folder holding it was refused before (the marker of the encoder's phase).
    path = os.path.join(config.output_dir, ENCODER_FILE)
    stages = [stage for stage in STAGES if os.path.exists(os.path.join(config.output_dir, stage, "checkpoint.npz"))]
    if config.resume and stages and not os.path.exists(path):
        raise UserError(f"{config.output_dir} holds {', '.join(stages)} checkpoint(s) but no {ENCODER_FILE}: the "
                        f"caption vectors they learned from are gone; start afresh with --overwrite")
    if os.path.exists(path) and config.resume:
        remedy = (f"restore it from a copy, or start afresh with --overwrite (the {', '.join(stages)} checkpoint(s) "
                  f"learned from its caption vectors)" if stages else
                  "delete it to train a new one, or start afresh with --overwrite")
        encoder = model_file.load_model(path, "text encoder", remedy)
        encoder.trainable = False
        if (len(encoder.inputs) != 1 or tuple(encoder.inputs[0].shape[1:]) != (captions.MAX_WORDS,)
                or len(encoder.outputs[0].shape) != 2):
            raise UserError(f"{path} is not a text encoder (it takes {[tuple(i.shape) for i in encoder.inputs]} "
                            f"and makes {tuple(encoder.outputs[0].shape)}): {remedy}")
        if int(encoder.outputs[0].shape[-1]) != model_config.text_dim:
            raise UserError(f"{path} makes vectors of size {encoder.outputs[0].shape[-1]}, not --text-dim "
                            f"{model_config.text_dim}: resume with the run's settings", EXIT_USAGE)
        print(f"Text encoder: {path}")
        return encoder
    shape = (len(captions.CLASS_NOUNS), 3, 3, len(captions.TEMPLATES))
    combos = np.array(list(np.ndindex(*shape)))
    words = captions.vocabulary()
    ids = captions.encode([captions.caption(c, (b, w), t) for c, b, w, t in combos], words)
    keras.utils.set_random_seed(config.seed)
    encoder = build_text_encoder(len(words), captions.MAX_WORDS, text_dim=model_config.text_dim)
    right = train_text_encoder(encoder, ids, combos[:, :3], seed=config.seed)
    accuracy = dict(zip(("class", "brightness", "width"), right.mean(axis=0).round(4).tolist()))
    print(f"Text encoder trained on {len(ids)} captions; it tells from the text: {accuracy}")
    artifact.save_model(encoder, path)
    fileio.write_text(os.path.join(config.output_dir, CAPTIONS_FILE), json.dumps({
        "vocabulary": list(words), "templates": list(captions.TEMPLATES), "class_nouns": list(captions.CLASS_NOUNS),
        "attribute_words": captions.ATTRIBUTE_WORDS, "ink": captions.INK, "max_words": captions.MAX_WORDS,
        "tercile_bounds": {"shape": "(class, attribute, 2)", "values": thresholds.to_json()},
        "encoder_accuracy": accuracy}, indent=1))
    return encoder


def _build_stage(config, run, stage, encoder=None, stage1_path=None):
    """The compiled `GAN` of one stage (Stage-II around the frozen Stage-I saved at `stage1_path`)."""
    # Keras and scikit-image load when a run starts, not while flags are parsed.
    from gan_keras.core.combined import build_combined
    from gan_keras.core.gan import GAN
    from gan_keras.models import stackgan as models

    if encoder is None:  # a bare Stage-I (tests, benchmarks): an untrained encoder; the command trains one first
        encoder = models.build_text_encoder(len(captions.vocabulary()), captions.MAX_WORDS, config.text_dim)
    augmented = config.conditioning == "augmented"
    sizes = dict(latent_dim=config.latent_dim, condition_dim=config.condition_dim, kl_weight=config.kl_weight,
                 augmentation=augmented)
    previous = None
    if stage == 1:
        generator = models.build_stage1_generator(text_dim=config.text_dim, **sizes)
    else:
        # A resumed Stage-I saves it again from its checkpoint first; without one, it is gone.
        saved = model_file.load_model(stage1_path, "Stage-I generator",
                                      "restore it from a copy, or start afresh with --overwrite")
        previous = saved.get_layer("stage1_generator")
        generator = models.build_stage2_generator(previous, **sizes)
    size = 14 if stage == 1 else 28
    discriminator = models.build_stack_discriminator(size, config.text_dim, filters=64 if stage == 1 else 128,
                                                     name=f"stage{stage}_discriminator")
    condition = Caption(text_encoder=encoder, vocabulary=captions.vocabulary())
    combined = build_combined(generator, discriminator, jit_compile=run.jit_compile, condition=condition)
    return GAN(generator, discriminator, combined, latent_dim=int(generator.inputs[0].shape[-1]),
               condition=condition, previous_stage=previous)


def stage1_generator_file(run):
    """The file of the Stage-I generator that Stage-II is built on (and freezes): Stage-I's `generator.keras`.

    Also with `--ema` (the default), where Stage-I also saves its averaged
    generator (`ema_generator.keras`): in every measured run the averaged
    Stage-I (decay 0.999) scored worse than the raw one on the held-out
    captions (class accuracy 0.621 against 0.642 at `--kl-weight 2.0`,
    0.660 against 0.700 at 1.0 and 0.689 against 0.720 at 0.5 after 3,000
    steps; 0.746 against 0.757 at 0.5 after 5,000; FD 296 to 326 against
    251 to 271; README, "StackGAN"), and Stage-II can only add detail to
    what Stage-I draws. (Building Stage-II on the averaged Stage-I was not
    run to its end.) Stage-II's own average averages Stage-II's weights
    only (Stage-I is frozen); it is the better Stage-II generator.

    Args:
        run: The run's `RunConfig` (its `output_dir` holds `stage1/`).

    Returns:
        The path.
    """
    return os.path.join(run.output_dir, STAGES[0], "generator.keras")


def _stackgan_phases(model_config, run, data, options=None):
    """The text encoder (in DIR), Stage-I in DIR/stage1, Stage-II in DIR/stage2; one report of both in DIR."""
    # Keras loads (with the evaluation) only when a run starts, not while flags are parsed.
    from gan_keras.data import resize
    from gan_keras.data.sources import CaptionSource
    from gan_keras.evaluation.captioned import real_baselines
    from gan_keras.runs.scoring import CaptionEvaluation

    train, test, thresholds = data.test
    evaluator = _shared_evaluator(run)
    made = {}  # what the text encoder's phase makes for the stages

    def encode(run_config):
        encoder = _text_encoder(run_config, model_config, thresholds)
        table = caption_table(encoder)
        template = np.arange(len(test.labels)) % len(captions.TEMPLATES)
        preview_texts, preview_labels, preview_levels = preview_captions()
        made.update(
            encoder=encoder,
            train_vectors=table[train.labels, train.levels[:, 0], train.levels[:, 1]],  # (n, templates, d)
            test_vectors=table[test.labels, test.levels[:, 0], test.levels[:, 1], template],
            test_texts=[captions.caption(c, tuple(v), t) for c, v, t in zip(test.labels, test.levels, template)],
            preview_texts=preview_texts, preview_labels=preview_labels,
            preview_vectors=table[preview_labels, preview_levels[:, 0], preview_levels[:, 1], 0],
            baselines=real_baselines((train.images, train.labels, train.levels), (test.labels, test.levels),
                                     (preview_labels, preview_levels), seed=run.seed))
        return None

    def stage_phase(stage, name):
        def start(run_config):
            images = resize.downscale_mean(train.images, 2) if stage == 1 else train.images
            source = CaptionSource(images, made["train_vectors"], batch_size=run_config.batch_size,
                                   seed=run_config.seed)
            evaluation = CaptionEvaluation(
                run_config.output_dir, made["test_texts"], made["test_vectors"], test.labels, test.levels,
                thresholds, (made["preview_vectors"], made["preview_labels"]), made["baselines"], evaluator,
                seed=run_config.seed, names=(STAGE_TITLES[stage - 1], STAGE_TITLES[0]),
                title="Held-out test captions (10,000)")
            stage1_path = stage1_generator_file(run)
            return Training(lambda: _build_stage(model_config, run_config, stage, made["encoder"], stage1_path),
                            source, model=f"stackgan_{name}", model_config=model_config, callbacks=[evaluation],
                            preview=(made["preview_texts"], made["preview_vectors"]))

        return Phase(name, start, folder=name, report=True)

    return [Phase("text encoder", encode, marker=ENCODER_FILE),
            *(stage_phase(stage, name) for stage, name in enumerate(STAGES, start=1))]


def _shared_evaluator(config):
    """One `Evaluator` on the 10,000 test images for both stages, built when first needed."""
    built = []

    def get():
        if not built:
            # Keras and scikit-image load when a run starts, not while flags are parsed.
            from gan_keras.evaluation.evaluator import Evaluator

            built.append(Evaluator("test", seed=config.seed, data_dir=config.data_dir, kid_subsets=20))
        return built[0]

    return get


RECIPES = {
    "stackgan": Recipe(
        name="stackgan",
        summary="StackGAN: text-to-image in two stages, 14x14 then 28x28, from captions (8.3.1); --steps or "
                "--epochs is the length of each stage",
        config=StackGANConfig, output_dir=lambda config: "outputs/stackgan" + (
            "" if config.conditioning == "augmented" else "_fixed"),
        output_dir_help="outputs/stackgan (outputs/stackgan_fixed with --conditioning fixed)", batch_size=32,
        epochs=1, steps=5000, build=lambda config, run, total: _build_stage(config, run, 1),
        load=_load_captioned, memory=memory_estimate(0, 3_000_000, 60_000), evaluable=False,
        ema=EMA_DECAY,  # the averaged generator scores best on the held-out captions (README, "StackGAN")
        phases=_stackgan_phases,
    ),
}
