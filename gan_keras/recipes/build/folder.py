"""What the GANs that train on a folder of pictures share at the end of a run: their scores."""

from gan_keras.runs.scoring import FolderEvaluation


def evaluation(config, run, data):
    """The end-of-run scores of a folder run (`recipe.finish`): `[FolderEvaluation]`, or [] for another run.

    Args:
        config: The model config (its `dataset`).
        run: The phase's `RunConfig` (`evaluate`, `eval_n`, seed, folder).
        data: The loaded `TrainingData` (its `folder`).
    """
    if config.dataset != "folder" or not run.evaluate:
        return []
    folder = data.folder
    return [FolderEvaluation(run.output_dir, folder.images, folder.labels, folder.class_names,
                             n=run.eval_samples(), seed=run.seed)]
