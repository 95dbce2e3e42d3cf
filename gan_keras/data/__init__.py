"""Real samples: datasets as numpy arrays, the batches of each step, and what is derived from images.

Modules:
    datasets: Fashion-MNIST and MNIST as uint8 arrays (IDX files checked, found locally before any
        download), their sizes and class names.
    sources: where real training samples come from, one batch per step.
    edges: edge maps of 28x28 images (Canny, thinning), the inputs of pix2pix "edges2fashion".
    captions: captions of Fashion-MNIST images made from their pixels, for the text-to-image GAN.
    photos: real photographs for super-resolution, from data shipped inside installed packages.
    image_file: image files read with Pillow (every mode; colour and alpha in [-1, 1], or 8-bit RGB), PNGs written.
    photo_folder: a folder of your own photos: every JPEG and PNG read, the unusable ones listed.
    walk: the one directory walker of every folder read (regular files only; what it skips named).
    image_folder: a folder of your pictures (flat, or a class per subfolder) decoded once into a uint8 cache.
    paired_folder: picture pairs for pix2pix (DIR/A and DIR/B by name, or side-by-side AB pictures).
    emoji: the emoji folder of `make emoji`: Noto colour emoji in their 9 Unicode groups.
    resize: resizing for 4x super-resolution: low-resolution inputs and the bicubic baseline.

May import: `gan_keras.models`, `gan_keras.core`. No Keras at module level: `gan_keras.cli` imports
`datasets` while it parses flags.
"""
