# nettrail - eBPF network flow sensor.
#
#   make            build build/nettrail (BPF objects, skeletons, userspace)
#   make run        run the sensor with its embedded defaults (needs root)
#   make test       install what is missing, build, run every test
#   make image      the container image as an OCI layout (no engine needed)
#   make bench      run the benchmarks (figures go to docs/BENCHMARKS.md)
#   make deps       install the Debian packages the build needs (idempotent)
#   make fmt        clang-format the C sources (.clang-format); make fmt-check
#                   fails when the tree is not formatted (make test runs it)
#   make clean

VERSION   := 0.1.0
ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
BUILD     := build
CLANG     ?= clang
BPFTOOL   ?= bpftool
CC        ?= gcc

CFLAGS    ?= -O2 -g
# user/ is laid out by stage of the data path (docs/architecture.md)
USER_DIRS := user user/datapath user/inspect user/enrich user/encode user/sink user/capture
CFLAGS    += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
             -Werror=implicit-function-declaration -Werror=int-conversion \
             -Iinclude $(addprefix -I,$(USER_DIRS)) -I$(BUILD) -DNT_VERSION='"$(VERSION)"'
LDLIBS    := -lbpf -lelf -lz -lpcap -lcrypto -lxxhash -lrdkafka -lmicrohttpd \
             -lcurl -ljson-c -lyaml -lpthread -lpsl
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) \
              -Ivmlinux -Iinclude -Wall -Werror

BUILD_PKGS := clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev \
              libpcap-dev libssl-dev libxxhash-dev uthash-dev pkg-config \
              librdkafka-dev libmicrohttpd-dev libcurl4-openssl-dev libjson-c-dev \
              libyaml-dev libpsl-dev publicsuffix \
              make gcc iproute2
TEST_PKGS  := libcriterion-dev tcpdump tshark ethtool python3 \
              python3-jsonschema iputils-ping netcat-openbsd socat \
              ngtcp2-client ngtcp2-server python3-pip \
              python3-pytest python3-prometheus-client openssl curl \
              dnsmasq-base dnsutils \
              libclang-rt-14-dev openssh-server openssh-client \
              kcat maven openjdk-17-jre-headless \
              umoci ca-certificates binutils clang-format libusrsctp-dev \
              iptables nftables \
              hping3 \
              nmap sshpass iodine

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
USER_SRCS := $(wildcard $(addsuffix /*.c,$(USER_DIRS)))
USER_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(USER_SRCS))
LIB_OBJS  := $(filter-out $(BUILD)/user/main.o,$(USER_OBJS))
UNIT_SRCS := $(wildcard tests/unit/*.c tests/unit/*/*.c)

.SECONDARY: $(SKELS) $(BPF_OBJS)
FMT_SRCS   = $(shell find bpf user include tests bench detect -name '*.[ch]' | sort)

.PHONY: all run test deps test-deps unit datapath live bench clean fmt fmt-check fuzz image print-ldlibs

all: $(BUILD)/nettrail

include detect/detect.mk

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(wildcard include/*.h bpf/*.h bpf/lib/*.h) vmlinux/vmlinux.h | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

$(BUILD)/user/%.o: user/%.c $(SKELS) $(wildcard $(addsuffix /*.h,$(USER_DIRS)) include/*.h) | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/nettrail: $(USER_OBJS)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD):
	mkdir -p $@

# Installs missing Debian packages (a bare machine works); idempotent.
define install_missing
	@missing=$$(for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$(echo ' '$$missing)"; \
		{ [ -n "$$(find /var/lib/apt/lists -name '*Packages*' -newermt '-1 day' 2>/dev/null | head -1)" ] || \
		  apt-get update -qq; } && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

deps:
	$(call install_missing,$(BUILD_PKGS))

test-deps: deps
	$(call install_missing,$(TEST_PKGS))

run: deps
	$(MAKE) all
	$(BUILD)/nettrail

# ---- tests --------------------------------------------------------------

$(BUILD)/unit_tests: $(UNIT_SRCS) $(LIB_OBJS)
	$(CC) $(CFLAGS) -Itests -Itests/unit $^ -o $@ $(LDLIBS) -lcriterion

$(BUILD)/datapath_tests: tests/datapath/test_datapath.c tests/datapath/pkt.c $(LIB_OBJS)
	$(CC) $(CFLAGS) -Itests -Itests/unit $^ -o $@ $(LDLIBS) -lcriterion

unit: $(BUILD)/unit_tests
	$(BUILD)/unit_tests --jobs 1

datapath: $(BUILD)/datapath_tests
	$(BUILD)/datapath_tests --jobs 1

live: all
	/usr/bin/python3 -m pytest -p no:cacheprovider -q tests/live

fmt:
	$(call install_missing,clang-format)
	clang-format -i $(FMT_SRCS)

fmt-check:
	$(call install_missing,clang-format)
	tests/lib/check_fmt.sh

test: test-deps
	$(MAKE) all $(BUILD)/unit_tests $(BUILD)/datapath_tests
	tests/run_all.sh

# Every libFuzzer target under ASan+UBSan for FUZZ_SECONDS each (CI runs a
# 15-second burst of each as part of make test).
FUZZ_SECONDS ?= 300
fuzz: test-deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/suites/fuzz.sh

# The container image without a container engine: an OCI layout and archive
# under build/image (the Containerfile builds the same for those who have one).
image: deps
	$(call install_missing,umoci ca-certificates binutils)
	$(MAKE) all
	tools/make_image.sh

# ---- benchmarks ---------------------------------------------------------

bench: test-deps
	$(MAKE) all
	bench/run.sh

# for scripts that link the objects themselves (bench/run.sh, suites)
print-ldlibs:
	@echo $(LDLIBS)

clean:
	rm -rf $(BUILD)
