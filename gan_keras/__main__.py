"""`python -m gan_keras ...` is `gan-keras ...`."""

import sys

if __name__ == "__main__":
    try:
        from gan_keras.cli import main
    except KeyboardInterrupt:  # Ctrl-C (or `gan-keras launch` stopping a job) while the package still loads
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    main()
