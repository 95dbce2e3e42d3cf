"""`gan-keras train GAN`: train one of the package's GANs, with every shared flag.

The flags are made from the recipe's model config and `RunConfig`; they
become configs here, once, and nothing else reads them; then
`gan_keras.runs.run.train_recipe` trains them (`gan_keras.train` does the
same from Python). A default that depends on the data (the MLP's
whole-class batch) stays open (None) until `gan_keras.runs.run.prepare`
has loaded the data; a value the user typed is never replaced by a default.
"""


from gan_keras.cli import flags
from gan_keras.core import checks
from gan_keras.runs.config import RunConfig
from gan_keras.training import processes, roll_call  # a job's modules: light, no Keras
from gan_keras.core.errors import EXIT_USAGE, UserError

# RunConfig fields whose flags depend on the recipe.
_DATA_FIELDS = ("data_dir",)
_EVAL_FIELDS = ("eval_interval", "eval_n")
_IMAGE_FIELDS = ("ema", "ema_warmup", "keep_generators")  # of the GANs that draw images (`Recipe.images`)


def add_arguments(parser, recipe):
    """Adds the flags of `recipe`: its model config, its options, then the run flags."""
    model = parser.add_argument_group(f"{recipe.name} settings (stored in the checkpoint)")
    flags.add_config_flags(model, recipe.config)
    if recipe.options is not None:
        flags.add_config_flags(parser.add_argument_group("study"), recipe.options)
    run = parser.add_argument_group("run")
    exclude = list(_EVAL_FIELDS if not recipe.evaluable else ())
    exclude += list(_IMAGE_FIELDS if not recipe.images else ())
    exclude += list(_DATA_FIELDS if recipe.load is None else ())
    help_defaults = {"output_dir": recipe.output_dir_help}
    if recipe.batch_size_help:
        help_defaults["batch_size"] = recipe.batch_size_help
    if recipe.steps:
        help_defaults.update(steps=f"{recipe.steps}", epochs=f"unset, so --steps {recipe.steps} applies")
    flags.add_config_flags(run, RunConfig, exclude=exclude, help_defaults=help_defaults,
                         defaults={"batch_size": recipe.batch_size, "epochs": recipe.epochs, "ema": recipe.ema})
    if recipe.evaluable:
        if recipe.evaluate:
            run.add_argument("--no-eval", action="store_true",
                             help="no evaluation during training (default for Fashion-MNIST: FD, KID, ... of 2,000 "
                                  "samples once per epoch, or every --eval-interval steps)")
        else:
            run.add_argument("--eval", action="store_true",
                             help="evaluate once per epoch (--eval-interval or --eval-n also turn evaluation on)")


def configs_from_args(args, recipe):
    """The configs of parsed flags: `(model_config, options or None, run_config)`.

    Every flag is checked here, before any data or Keras loads.

    Args:
        args: The parsed flags of `add_arguments(parser, recipe)`.
        recipe: The `Recipe`.

    Returns:
        The configs; the run config's `batch_size` is None where
        `--batch-size` was left out and the GAN's default depends on its data
        (`recipe.batch_size_help`): `gan_keras.runs.run.prepare` fills it in.

    Raises:
        ConfigError, UserError: (exit status 2) for values out of range or
            flags that exclude each other.
    """
    model = flags.config_from_args(recipe.config, args)
    options = flags.config_from_args(recipe.options, args) if recipe.options is not None else None
    no_eval = getattr(args, "no_eval", False)
    eval_interval, eval_n = getattr(args, "eval_interval", None), getattr(args, "eval_n", None)
    if no_eval and (eval_interval is not None or eval_n is not None):
        raise UserError(f"--no-eval excludes {'--eval-interval' if eval_interval is not None else '--eval-n'}",
                        EXIT_USAGE)
    # By default Fashion-MNIST runs are evaluated (the evaluation classifier knows no other data), and folder
    # runs at their end, in picture features (`gan_keras.evaluation.folder_scores`).
    by_default = recipe.evaluate and getattr(model, "dataset", "fashion_mnist") in ("fashion_mnist", "folder")
    evaluate = recipe.evaluable and not no_eval and (
        by_default or getattr(args, "eval", False) or eval_interval is not None or eval_n is not None)
    length = {}
    if recipe.steps and args.steps is None and args.epochs is None:
        length = {"steps": recipe.steps, "epochs": recipe.epochs}
    elif args.epochs is None:
        length = {"epochs": recipe.epochs}
    output_dir = recipe.output_dir(model) if args.output_dir is None else args.output_dir
    config = flags.config_from_args(RunConfig, args, output_dir=output_dir, evaluate=evaluate, **length)
    return model, options, config


def run(args, recipe):
    """Trains `recipe` with the parsed flags; returns the exit status."""
    try:
        model, options, config = configs_from_args(args, recipe)  # every flag checked before data or Keras loads
    except UserError as error:  # in a job, process 0 is told at once, not after its wait for this process
        processes.tell_process_0(getattr(args, "coordinator", None), getattr(args, "num_processes", None),
                                 getattr(args, "process_id", None), str(error))
        raise
    group = processes.group_from(config.coordinator, config.num_processes, config.process_id)
    if group is None:
        if config.coordinator_bind is not None:
            raise UserError("--coordinator-bind is where process 0 of a job listens: it needs --num-processes N",
                            EXIT_USAGE)
        return _train(recipe, model, options, config)
    _join(group, recipe, model, config)
    if group.leader:
        status = flags.run_guarded(lambda: _train(recipe, model, options, config), prog="gan-keras")
    else:
        status = flags.run_guarded(lambda: _follow(recipe, model, config), prog="gan-keras")
    return processes.finish(status)


def _join(group, recipe, model, config):
    """Checks a job's flags, joins it and compares every process's settings (see `gan_keras.training.processes`)."""
    call = processes.start_roll_call(group, config.coordinator_bind)  # the leader listens before Keras loads
    try:
        _check_job(group, recipe, config)
    except UserError as error:  # a refusal stops the others at once, not after their wait
        if call is not None:
            call.stop(error)
        else:
            roll_call.refuse(group, str(error))
        raise
    processes.initialize(group, call)
    settings = {"gan": recipe.name, **model.to_json(),
                **{k: v for k, v in config.to_json().items() if k not in config.JOB_FIELDS + config.LOCAL_FIELDS}}
    processes.check_same(settings)
    # Imported after joining: JAX must not compute before `jax.distributed.initialize`.
    import jax

    devices = len(jax.devices())
    if config.batch_size is not None and config.batch_size % devices:
        raise UserError(f"--batch-size {config.batch_size} does not split over the job's {devices} devices: use a "
                        f"multiple of {devices}", EXIT_USAGE)
    if not group.leader:
        print(f"Process {group.index} of {group.count}: follows process 0, which writes {config.output_dir}; this "
              f"process writes no file")


def _check_job(group, recipe, config):
    """Refuses what a job cannot run (exit status 2, one line)."""
    which = f"--num-processes {group.count}"
    if config.engine != "compiled":
        raise UserError(f"{which} needs --engine compiled (the book's train_on_batch runs in one process)",
                        EXIT_USAGE)
    if config.devices != 1:
        raise UserError(f"{which}: every process uses all of its devices; leave out --devices", EXIT_USAGE)
    if recipe.phases is not None:
        raise UserError(f"{which}: {recipe.name} trains in phases that read what earlier phases wrote; several "
                        f"processes train the GANs of one phase (dcgan, cgan, mlp, gaussian, pix2pix)", EXIT_USAGE)
    flags.quiet_tensorflow()
    # Keras loads now, in a job only: its backend decides whether a job can run at all.
    import keras

    processes.check_backend(keras.config.backend())


def _follow(recipe, model, config):
    # Keras loads (with the run's modules) only when a run starts, not while flags are parsed.
    from gan_keras.runs.run import follow_recipe

    return follow_recipe(recipe, model, config)


def _train(recipe, model, options, config):
    return train(recipe, model, options, config).status


def train(recipe, model, options, config):
    """Trains checked configs (`configs_from_args`): what `gan-keras train` and `gan_keras.train` run.

    The output folder and the memory the sizes need are checked first,
    before Keras loads (the batch a GAN takes by default from its data is
    counted at its fixed default here); then `gan_keras.runs.run.train_recipe`.

    Returns:
        The run's `gan_keras.runs.run.Outcome`.

    Raises:
        UserError: (exit status 2) for sizes beyond the memory, or an output
            folder inside a data folder; (exit status 1) for one that cannot
            be made; as `train_recipe`.
    """
    planned = config.batch_size or recipe.batch_size
    checks.check_memory(recipe.memory(model, planned), f"{recipe.name} with these sizes",
                        "--latent-dim or --batch-size")
    checks.check_output_dir(config.output_dir, (config.data_dir, getattr(model, "test_dir", None)))
    flags.quiet_tensorflow()  # some loaders use Keras or TensorFlow (photo crops, edge maps): loaded quietly first
    # Keras loads only now, quietly, after every flag, the sizes and the folder are checked.
    from gan_keras.runs.run import train_recipe

    return train_recipe(recipe, model, config, options)
