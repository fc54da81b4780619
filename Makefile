# vimo — the two commands a user needs:
#   make demo   sets up the machine, runs the pipeline on a generated dataset, prints where results are
#   make test   sets up the machine and runs the tests
SHELL := /bin/bash
SWIFT ?= swift

.PHONY: all bootstrap build release test demo bench clean

all: build

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	$(SWIFT) build

release: bootstrap
	$(SWIFT) build -c release

test: bootstrap
	$(SWIFT) build --build-tests
	$(SWIFT) test --disable-swift-testing

demo: release
	@"$$($(SWIFT) build -c release --show-bin-path)/vimo" demo

bench: release
	bench/decode.sh
	bench/torch.sh
	bench/flow.sh
	bench/tfam.sh
	bench/clip.sh
	bench/runner.sh
	bench/integrity.sh
	bench/storage.sh
	bench/xclip.sh
	bench/amclip.sh
	bench/slurm.sh

clean:
	rm -rf .build data/demo data/cache data/bench
