# Two commands do all the set-up on a fresh machine (see README):
#   make run    installs everything, then serves moodtune on http://127.0.0.1:8000
#   make test   installs everything (and Chromium for the browser test), then runs ruff and
#               the tests
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test setup browser lint bench screenshot

$(BIN)/moodtune: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# torch first, pinned: the CPU build comes from the machine's local wheel (see README)
	$(BIN)/pip install --quiet torch==2.13.0
	# vibenet (GPL, optional) pins typer<0.17 for its own CLI; install it without that pin
	$(BIN)/pip install --quiet --no-deps "vibenet>=0.1,<0.2" "pydub>=0.25,<1"
	$(BIN)/pip install --quiet -e ".[train,collect,vision,text,audio,tags,web,dask,dev]"
	# the audio analysis' JIT functions (librosa's numba code) compiled into numba's cache
	# once now (about 20 s), not by the first analysis or the first test that measures audio
	$(BIN)/python -c "from moodtune.audio.measure import warm_up; warm_up()"
	touch $(BIN)/moodtune

setup: $(BIN)/moodtune

# Debian's Chromium for the end-to-end test, and fonts for emoji and CJK titles on its screenshot.
BROWSER_PACKAGES := chromium fonts-noto-color-emoji fonts-wqy-microhei

browser:
	@missing=$$(for p in $(BROWSER_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

run: setup
	$(BIN)/moodtune serve

# The tests in parallel processes (pytest-xdist), one test file per process at a time (a
# file's module fixtures, e.g. a Dask cluster or a served app, are built once), the longest
# files first (tests/file_seconds.json, see tests/conftest.py), each process with its share of the cores for
# its thread pools; TEST_WORKERS=0 runs them in this one process.
# Python's bytecode cache stays on (some environments turn it off with PYTHONDONTWRITEBYTECODE;
# every test process and subprocess would then compile moodtune and the tests again).
TEST_WORKERS ?= auto

test: setup browser lint
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n $(TEST_WORKERS) --maxprocesses 4 --dist loadfile --no-loadscope-reorder

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: setup
	for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script; done

# The README's screenshots (docs/screenshot.png at 1280 px, docs/screenshot-phone.png at
# 390 px), taken by the end-to-end test; `make test` leaves them alone.
# They show a user's own music: a catalogue made with `catalog add-audio` from a folder of
# audio files (a copy of the 28 built-in clips), so every track plays in the page.
screenshot: setup browser
	music=$$(mktemp -d) && \
	cp -r "$$($(BIN)/python -c 'import immich_memories_music as m, pathlib; print(pathlib.Path(m.__file__).parent / "tracks")')" $$music/Music && \
	$(BIN)/moodtune catalog add-audio $$music/Music --catalogue $$music/catalogue.sqlite && \
	MOODTUNE_SCREENSHOT_CATALOGUE=$$music/catalogue.sqlite \
	MOODTUNE_SCREENSHOT=docs/screenshot.png MOODTUNE_SCREENSHOT_PHONE=docs/screenshot-phone.png \
	  $(BIN)/pytest tests/web/test_e2e.py -q -k photo_to_mood; \
	status=$$?; rm -rf $$music; exit $$status
