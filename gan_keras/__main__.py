"""`python -m gan_keras ...` is `gan-keras ...`."""

from gan_keras.cli import main

if __name__ == "__main__":
    main()
