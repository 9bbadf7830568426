# Convenience wrapper around CMake. Quick start: `make demo`, `make test`.
BUILD    ?= build
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps build test demo run bench-backend asan valgrind clean

all: build

deps:
	@./.ci/install-deps

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	./examples/demo/run-demo $(BUILD)

# A local SAM to play with (sandbox/, reused on the next run); see examples/sandbox/run-sandbox.
run: build
	./examples/sandbox/run-sandbox $(BUILD)

bench-backend: build
	./bench/run-backend-bench $(BUILD)

# samd over HTTP/2 + mTLS against raw PKCS#11 unwrap+sign+destroy (see bench/server_bench.c).
.PHONY: bench-server
bench-server: build
	./bench/run-server-bench $(BUILD)

# AddressSanitizer + UBSan build and test, in its own build directory.
asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSAM_SANITIZE=ON
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

# The unit tests under valgrind's memcheck, forked test processes included (slow).
valgrind: build
	./tests/tools/valgrind-unit $(BUILD)

clean:
	rm -rf $(BUILD) build-asan
