"""StackGAN's build part: the text encoder, the two stages' `GAN`s, its phases and their scores on held-out captions."""

import json
import os

import keras
import numpy as np

from gan_keras.core import fileio
from gan_keras.core.combined import build_combined
from gan_keras.core.conditions import Caption
from gan_keras.core.errors import EXIT_USAGE, UserError
from gan_keras.core.gan import GAN
from gan_keras.data import captions, resize
from gan_keras.data.sources import CaptionSource
from gan_keras.evaluation.captioned import real_baselines
from gan_keras.evaluation.evaluator import Evaluator
from gan_keras.models import stackgan as models
from gan_keras.recipes.stackgan import (CAPTIONS_FILE, ENCODER_FILE, STAGE_TITLES, STAGES, preview_captions,
                                        stage1_generator_file)
from gan_keras.runs.phases import Phase, Training
from gan_keras.runs.scoring import CaptionEvaluation
from gan_keras.sampling import artifact, model_file


def caption_table(encoder):
    """Text vectors of every caption the templates make: float32 `(classes, 3, 3, templates, text_dim)`."""
    shape = (len(captions.CLASS_NOUNS), 3, 3, len(captions.TEMPLATES))
    texts = [captions.caption(c, (b, w), t) for c, b, w, t in np.ndindex(*shape)]
    ids = captions.encode(texts, captions.vocabulary())
    return np.asarray(encoder.predict(ids, verbose=0), np.float32).reshape(*shape, -1)


def _text_encoder(config, model_config, thresholds):
    """The run's frozen text encoder: trained afresh and saved, or loaded from `DIR` on --resume."""
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
    encoder = models.build_text_encoder(len(words), captions.MAX_WORDS, text_dim=model_config.text_dim)
    right = models.train_text_encoder(encoder, ids, combos[:, :3], seed=config.seed)
    accuracy = dict(zip(("class", "brightness", "width"), right.mean(axis=0).round(4).tolist()))
    print(f"Text encoder trained on {len(ids)} captions; it tells from the text: {accuracy}")
    artifact.save_model(encoder, path)
    fileio.write_text(os.path.join(config.output_dir, CAPTIONS_FILE), json.dumps({
        "vocabulary": list(words), "templates": list(captions.TEMPLATES), "class_nouns": list(captions.CLASS_NOUNS),
        "attribute_words": captions.ATTRIBUTE_WORDS, "ink": captions.INK, "max_words": captions.MAX_WORDS,
        "tercile_bounds": {"shape": "(class, attribute, 2)", "values": thresholds.to_json()},
        "encoder_accuracy": accuracy}, indent=1))
    return encoder


def build_stage(config, run, stage, encoder=None, stage1_path=None):
    """The compiled `GAN` of one stage (Stage-II around the frozen Stage-I saved at `stage1_path`)."""
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


def phases(model_config, run, data, options=None):
    """The text encoder (in DIR), Stage-I in DIR/stage1, Stage-II in DIR/stage2; one report of both in DIR."""
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
            return Training(lambda: build_stage(model_config, run_config, stage, made["encoder"], stage1_path),
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
            built.append(Evaluator("test", seed=config.seed, data_dir=config.data_dir, kid_subsets=20))
        return built[0]

    return get


def build(config, run, total_steps):
    """A bare Stage-I `GAN` (an untrained text encoder): what `Recipe.build` makes for tests and benchmarks."""
    return build_stage(config, run, 1)
