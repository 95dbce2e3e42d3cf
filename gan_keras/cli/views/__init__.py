"""What some commands compute and show, kept out of the commands' flag handling.

Modules:
    comparison: runs side by side: their metric curves in one plot, settings and final metrics in one table.
    timing: the timing benchmark of the DCGAN train step (the book's loop, the engines, XLA) and the
        matmul roofline.
    sr_crops: crops of held-out photographs upscaled by a super-resolution run, side by side (a README figure).
    ema_warmup: warm-ups of the averaged generator side by side in one run, scored early (a README table).

Imported by their commands only when those run (they load Keras). May import: every layer below `gan_keras.cli`.
"""
