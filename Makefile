# 职工技能补助柜台 — developer commands.
# `make run` and `make test` set everything up on a fresh machine (Python 3.11+):
# the system libraries Qt needs (Debian/Ubuntu, when run as root), a virtual
# environment in .venv, and the program with its test tools.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

# Shared libraries PySide6 needs on a bare Debian machine (xcb platform for a
# real screen, offscreen for tests).
SYSTEM_PACKAGES := libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 \
	libdbus-1-3 libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 \
	libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-image0
# Only for the tests: poppler-utils (pdftoppm) for the printed forms' image tests,
# LibreOffice Calc (headless) to open the exported workbooks.
TEST_SYSTEM_PACKAGES := poppler-utils libreoffice-calc-nogui
# Only for building the bundle: binutils (strip, and as/ld for the trimmed ICU data library), and
# the Debian packages whose copyright files give the licence texts of libraries the wheels
# vendor (psycopg-binary's libpq, OpenSSL, Kerberos, SASL, OpenLDAP…; Qt's ICU) for
# THIRD-PARTY-NOTICES (build_spec/notices.py). Names as in Debian 12.
BUNDLE_SYSTEM_PACKAGES := binutils libpq5 libssl3 libkrb5-3 libsasl2-2 libldap-2.5-0 libcrypt1 \
	libkeyutils1 libcom-err2 libicu72
# Only for building and checking the .deb: lintian, the menu entry's validator, and a virtual
# screen with a window manager to open the installed program's window.
DEB_SYSTEM_PACKAGES := lintian desktop-file-utils xvfb xauth openbox
# Only for the Windows installer on Linux (make nsis-check): makensis compiles its NSIS script,
# 7-Zip lists what the compiled installer holds, Wine runs it.
WINDOWS_SYSTEM_PACKAGES := nsis 7zip wine64

.PHONY: run test test-fast bench lint format system-deps test-system-deps venv clean pinyin screenshots \
	bundle bundle-system-deps wheel-check deb deb-system-deps \
	nsis-check windows-system-deps

run: venv
	$(VENV)/bin/union-counter $(ARGS)

# The tests run on every core (pytest-xdist; TEST_WORKERS=1 runs them in one process). Each
# worker migrates one SQLite and one PostgreSQL template database and copies it per test.
TEST_WORKERS ?= auto
XDIST := -n $(TEST_WORKERS) --dist worksteal

# The whole suite, as CI runs it. The store's tests also run on a throw-away PostgreSQL server
# (.ci/with-postgres.sh).
test: venv test-system-deps
	QT_QPA_PLATFORM=offscreen bash .ci/with-postgres.sh $(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

# While editing: the same without the slow tests (real processes, LibreOffice, the bundle) and
# with hypothesis's short profile. `make test` before committing.
test-fast: venv test-system-deps
	QT_QPA_PLATFORM=offscreen HYPOTHESIS_PROFILE=dev bash .ci/with-postgres.sh \
		$(PY) -m pytest $(XDIST) -m "not slow" --ignore=tests/bundle $(PYTEST_ARGS)

bench: venv
	$(PY) bench/run_bench.py

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports  # the layers (pyproject.toml [tool.importlinter])

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The offline one-folder bundle in dist/union-counter, built and checked (build_spec/README.md).
bundle: venv bundle-system-deps
	bash build_spec/check_bundle.sh

# The Debian/UOS/Kylin package from the bundle, checked by installing and removing it (root).
deb: bundle deb-system-deps
	bash build_spec/deb/check_deb.sh "$$(bash build_spec/deb/build_deb.sh)"

# The Windows installer's script (build_spec/windows/union-counter.nsi) compiled with makensis
# against a stand-in payload, warnings as errors, the installer's version resource read back;
# then installed, upgraded and uninstalled under Wine as IT would (build_spec/README.md, "Windows").
nsis-check: venv windows-system-deps
	bash build_spec/windows/check_nsis.sh
	bash build_spec/windows/check_wine.sh

# The wheel holds the data folders: built, installed in a clean venv, self-tested.
wheel-check: venv
	bash build_spec/check_wheel.sh

# Screenshots of the window for the README (docs/screenshots/), taken under Xvfb at 1366×768.
screenshots: venv
	@command -v xvfb-run >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends xvfb xauth; }
	xvfb-run -a -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb $(PY) docs/screenshots/take.py

# Regenerate resources/pinyin.json after changing a catalogue.
pinyin: venv
	$(PY) -m desktop_app.services.pinyin_index

venv: system-deps $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

# Installs missing Debian packages only; does nothing elsewhere or without root.
define install_missing
	@if command -v dpkg-query >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		missing=""; \
		for p in $(1); do \
			dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
		done; \
		if [ -n "$$missing" ]; then \
			echo "Installing system packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
		fi; \
	fi
endef

system-deps:
	$(call install_missing,$(SYSTEM_PACKAGES))

test-system-deps:
	$(call install_missing,$(TEST_SYSTEM_PACKAGES))

bundle-system-deps:
	$(call install_missing,$(BUNDLE_SYSTEM_PACKAGES))

deb-system-deps:
	$(call install_missing,$(DEB_SYSTEM_PACKAGES))

windows-system-deps:
	$(call install_missing,$(WINDOWS_SYSTEM_PACKAGES))

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .mypy_cache .hypothesis
