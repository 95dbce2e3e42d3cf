"""The recipes' build parts: what a run of each GAN builds, loads and scores (Keras loads with them).

One module per recipe of `gan_keras.recipes`, named after it; the recipe's
config part names its functions through `gan_keras.recipes.base.part`.
"""
