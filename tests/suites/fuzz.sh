#!/usr/bin/env bash
# A short burst of every libFuzzer target under ASan and UBSan, from its
# seed corpus (make fuzz runs them longer). Any crash, leak or UBSan report
# fails the suite; the crashing input is left in build/fuzz/ to become a
# unit test.
set -uo pipefail
cd "$(dirname "$0")/../.."
SECS=${FUZZ_SECONDS:-15}
OUT=build/fuzz
mkdir -p "$OUT"
pass=0 fail=0
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	case $name in
	fuzz_payload) lib="user/inspect/payload.c user/inspect/appproto.c user/inspect/tls_hello.c user/inspect/tls_cert.c user/inspect/stream.c user/inspect/dns.c user/inspect/dns_msg.c user/inspect/dns_psl.c user/inspect/quic.c" ;;
	fuzz_quic) lib="user/inspect/quic.c user/inspect/tls_hello.c" ;;
	# the OCSF encoder reaches the recorder, enrichment and DNS stages:
	# every object but main, with the program's libraries
	fuzz_ocsf) lib="$(ls user/*.c user/*/*.c | grep -v '^user/main\.c$') -Iuser/datapath -Iuser/enrich -Iuser/capture
		-Iuser/sink -Ibuild $(make -s --no-print-directory print-ldlibs)" ;;
	fuzz_detect) lib="$(ls detect/*.c | grep -v /main.c) user/cidr.c -Idetect -ljson-c -lxxhash -lrdkafka -lm" ;;
	fuzz_request) lib="user/capture/request.c user/cidr.c" ;;
	fuzz_jscan) lib="detect/jscan.c detect/record.c -Idetect -ljson-c" ;;
	*) lib=$(ls user/*/${name#fuzz_}.c) ;;
	esac
	bin=$OUT/$name
	if ! clang -std=c11 -D_GNU_SOURCE -Wall -Werror -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Iinclude -Iuser -Iuser/inspect -Iuser/encode "$src" $lib -lcrypto -lpsl -o "$bin"; then
		echo "FAIL $name: does not build"; fail=$((fail + 1)); continue
	fi
	work=$OUT/$name.corpus
	rm -rf "$work"; mkdir -p "$work"
	cp tests/fuzz/corpus/${name#fuzz_}/* "$work"/ 2>/dev/null || true
	if UBSAN_OPTIONS=halt_on_error=1 "$bin" -max_total_time="$SECS" -max_len=20000 \
		-artifact_prefix="$OUT/$name-" "$work" >"$OUT/$name.log" 2>&1; then
		echo "ok   $name: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$OUT/$name.log" | tail -1 || tail -1 "$OUT/$name.log")"
		tail -1 "$OUT/$name.log"
		pass=$((pass + 1))
	else
		echo "FAIL $name: see $OUT/$name.log"; tail -20 "$OUT/$name.log"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
