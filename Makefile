# Two commands on a fresh machine: `make train` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FASHION_DIR := /usr/share/datasets/fashion-mnist
# The super-resolution training photographs (gan_keras/data/photo_manifest.json lists each file).
PHOTO_PACKAGES := mate-backgrounds lomiri-wallpapers-16.04 plasma-workspace-wallpapers
# CPU-sized run of the book's DCGAN: one true epoch at batch 128 (468 steps; ~7.5 min measured here).
TRAIN_ARGS ?= --epochs 1 --batch-size 128 --save-interval 100 --checkpoint-interval 100 --output-dir outputs/fashion_dcgan_cpu --resume

.PHONY: venv data photos emoji-font emoji train train-full test test-backends smoke gaussian-study benchmark clean

# The pinned requirements, then the package itself in editable mode (so `import gan_keras`
# and the `gan-keras` command work from any folder with this environment).
$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

venv: $(VENV)/.installed

# Fashion-MNIST from Debian's package when keras' cache does not have it
# (keras' own downloader is tried by the loader as a last resort).
data:
	@if [ -f $(FASHION_DIR)/train-images-idx3-ubyte.gz ] || [ -f $(HOME)/.keras/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || [ -n "$$GAN_KERAS_DATA" ]; then \
		echo "Fashion-MNIST: found"; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		(apt-get install -y -q dataset-fashion-mnist || (apt-get update -q && apt-get install -y -q dataset-fashion-mnist)) >/dev/null && echo "Fashion-MNIST: installed $(FASHION_DIR)"; \
	else \
		echo "Fashion-MNIST: not installed; keras' downloader will fetch it (or: sudo apt-get install dataset-fashion-mnist)"; \
	fi

# $(call debian,WHAT,PACKAGES): Debian packages installed when missing (as root with apt-get), else named.
define debian
	@if dpkg -s $(2) >/dev/null 2>&1; then \
		echo "$(1): found"; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		(apt-get install -y -q $(2) || (apt-get update -q && apt-get install -y -q $(2))) >/dev/null && echo "$(1): installed $(2)"; \
	else \
		echo "$(1): not installed (sudo apt-get install $(2))"; \
	fi
endef

# Debian's wallpaper packages: the credited photographs SRGAN trains on (`train srgan --dataset photos`).
photos:
	$(call debian,Photographs,$(PHOTO_PACKAGES))

# A folder of your own kind of pictures, made offline: 3,655 colour emoji in 9 class folders (outputs/emoji),
# rendered from Debian's Noto colour emoji font; the groups of Unicode's emoji-test.txt are the classes.
EMOJI_PACKAGES := fonts-noto-color-emoji unicode-data
emoji-font:
	$(call debian,Emoji font,$(EMOJI_PACKAGES))

emoji: venv emoji-font
	$(VENV)/bin/gan-keras emoji --out outputs/emoji

train: venv data
	$(PY) scripts/train_fashion.py $(TRAIN_ARGS)

train-full: venv data
	$(PY) scripts/train_fashion.py --epochs 10 --resume

# The layers contract first (setup.cfg: imports only go down), then the tests.
test: venv data photos emoji-font
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q -n auto --dist loadfile

# The frozen-discriminator contract, training steps and exact resume on Keras' JAX and PyTorch
# backends (CPU builds: torch 2.13.0, jax from PyPI); with JAX, real jobs of two processes on 127.0.0.1
# (tests/multiprocess_jax.py).
BACKEND_TESTS := tests/test_combined.py tests/test_engine.py::test_every_step_matches_the_book_engine_from_the_same_state tests/test_engine.py::test_twenty_steps_in_calls_of_eight_match_twenty_book_steps tests/test_engine.py::test_compiled_runs_save_at_the_asked_steps_and_resume_exactly tests/test_training.py::test_one_step_updates_both_models_and_logs_the_book_columns tests/test_training.py::test_resume_continues_exactly_like_an_uninterrupted_run tests/test_training.py::test_resume_is_exact_for_the_dcgan_with_dropout_and_batch_norm tests/test_ema.py::test_update_is_the_exponential_moving_average_exactly tests/test_ema.py::test_an_averaged_run_resumes_exactly
$(VENV)/.backends: $(VENV)/.installed
	$(PY) -m pip install --quiet jax torch==2.13.0
	touch $@

test-backends: $(VENV)/.backends data
	for backend in jax torch; do \
		KERAS_BACKEND=$$backend $(PY) -m pytest -q -n auto --dist load $(BACKEND_TESTS) || exit 1; \
		[ $$backend != jax ] || XLA_FLAGS=--xla_force_host_platform_device_count=2 KERAS_BACKEND=jax $(PY) -m pytest -q tests/data_parallel_jax.py || exit 1; \
		[ $$backend != jax ] || $(PY) -m pytest -q tests/multiprocess_jax.py || exit 1; \
	done

gaussian-study: venv
	$(PY) scripts/train_gaussian.py --runs 10 --json outputs/gaussian/study.json --no-progress --overwrite

benchmark: venv
	$(VENV)/bin/gan-keras benchmark --json outputs/benchmark.json

# Real-data smoke run (what CI runs after the tests).
smoke: venv data
	$(PY) scripts/train_fashion.py --steps 20 --batch-size 16 --save-interval 10 --output-dir outputs/smoke --overwrite --no-progress

clean:
	rm -rf outputs/smoke outputs/fashion_dcgan_cpu
