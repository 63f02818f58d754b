# nettrail-detect: the reference detector (detect/, docs/detections.md).
# Included by the top-level Makefile; `make` builds build/nettrail-detect and
# tests/suites/detect.sh builds and runs $(BUILD)/detect_unit_tests.

DETECT_SRCS   := $(filter-out detect/main.c,$(wildcard detect/*.c))
DETECT_OBJS   := $(patsubst detect/%.c,$(BUILD)/detect/%.o,$(DETECT_SRCS))
DETECT_LDLIBS := -ljson-c -lxxhash -lrdkafka -lmicrohttpd -lpthread -lm
# /metrics: the sensor's server (user/metrics.c) serving the detector's text;
# address prefixes: the sensor's parser (user/cidr.c)
DETECT_USER   := $(BUILD)/user/metrics.o $(BUILD)/user/counters.o $(BUILD)/user/cidr.o
DETECT_UNIT   := $(wildcard tests/unit_detect/*.c)

all: $(BUILD)/nettrail-detect

$(BUILD)/detect:
	mkdir -p $@

$(BUILD)/detect/%.o: detect/%.c $(wildcard detect/*.h) | $(BUILD)/detect
	$(CC) -Idetect $(CFLAGS) -c $< -o $@

$(BUILD)/nettrail-detect: $(DETECT_OBJS) $(BUILD)/detect/main.o $(DETECT_USER)
	$(CC) $(CFLAGS) $^ -o $@ $(DETECT_LDLIBS)

$(BUILD)/detect_unit_tests: $(DETECT_UNIT) $(DETECT_OBJS) $(BUILD)/user/cidr.o $(wildcard tests/unit_detect/*.h)
	$(CC) -Idetect -Itests/unit_detect $(CFLAGS) $(DETECT_UNIT) $(DETECT_OBJS) $(BUILD)/user/cidr.o -o $@ \
		$(DETECT_LDLIBS) -lcriterion

.PHONY: detect detect-test
detect: $(BUILD)/nettrail-detect
detect-test: $(BUILD)/nettrail-detect $(BUILD)/detect_unit_tests
	tests/suites/detect.sh
