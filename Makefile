# Thin wrapper over CMake presets (CMakePresets.json). Every target installs
# missing Debian packages first through scripts/deps.sh (quiet when present).
#
#   make            build everything for the host into build/ (runs nothing)
#   make run        build and start the interactive virtual meter
#   make test       build and run the whole test suite (ctest in build/)
#   make test-long  long suites (randomised power-loss, full accuracy points)
#   make bench      benchmarks (release build), one table each
#   make accuracy   accuracy test bench report into docs/accuracy/
#   make size       Cortex-M flash/RAM use per module and in total
#   make fuzz       run every libFuzzer harness (FUZZ_SECONDS each, default 60)

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60
RUN_ARGS ?=

.PHONY: all deps run test release test-long bench accuracy size fuzz clean

all: deps
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev -j $(JOBS)

deps:
	@scripts/deps.sh

run: all
	./build/trimeter-sim $(RUN_ARGS)

test: all
	@ctest --preset dev -j $(JOBS)

release: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

test-long: release
	@ctest --preset long

bench: release
	@scripts/bench.sh

accuracy: release
	@scripts/accuracy.sh

size: deps
	@cmake --preset cortex-m >/dev/null
	@cmake --build --preset cortex-m -j $(JOBS)
	@scripts/size.sh build-cortex-m

fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)
	@scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS)

clean:
	rm -rf build build-release build-sanitize build-cortex-m build-fuzz
