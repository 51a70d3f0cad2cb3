# bench/common.sh: what every benchmark script shares. Source it after setting
# VCN_TOP (the source tree); it defines bench_build.
#
# bench_build: benchmarks measure a plain build (no sanitizers, -O2). $VCN_BUILD,
# if set, is used as it is; else HEAD is copied to $VCN_BENCH_BUILD (default
# /tmp/vcn-bench-build) and built there with ./configure --disable-system-tests.
# Sets VCN_BUILD, VCN_TOP (to the build copy) and BENCH_REV (what was measured).
bench_build() {
	local b=${VCN_BENCH_BUILD:-/tmp/vcn-bench-build} tmp f
	if [ -n "${VCN_BUILD:-}" ]; then
		export VCN_BUILD
		BENCH_REV="$(git -C "$VCN_TOP" rev-parse --short HEAD) + work tree, built in $VCN_BUILD"
		return 0
	fi
	BENCH_REV=$(git -C "$VCN_TOP" rev-parse --short HEAD)
	mkdir -p "$b"
	tmp=$(mktemp -d)
	git -C "$VCN_TOP" archive HEAD | tar -C "$tmp" -xf -
	while IFS= read -r -d '' f; do
		f=${f#./}
		cmp -s "$tmp/$f" "$b/$f" 2>/dev/null && continue
		mkdir -p "$b/$(dirname "$f")"
		cp "$tmp/$f" "$b/$f"
	done < <(cd "$tmp" && find . -type f -print0)
	# files an earlier HEAD had and this one has not (a rename: lib/limits.h once
	# shadowed <limits.h>) are removed; the list of copied files is kept in the build dir
	if [ -f "$b/.bench-files" ]; then
		(cd "$tmp" && find . -type f | sed 's|^\./||' | sort) >"$b/.bench-files.new"
		comm -23 <(sort "$b/.bench-files") "$b/.bench-files.new" | while IFS= read -r f; do rm -f "$b/$f"; done
		mv "$b/.bench-files.new" "$b/.bench-files"
	else
		(cd "$tmp" && find . -type f | sed 's|^\./||' | sort) >"$b/.bench-files"
	fi
	rm -rf "$tmp"
	(
		cd "$b"
		[ -f Makefile ] || { autoreconf -fi && ./configure --disable-system-tests; } >"$b/configure.out" 2>&1 ||
			{ tail -n 20 "$b/configure.out" >&2; exit 1; }
		# gcc 12 -O2 flags a possible restrict overlap in controller/ctl.c (snprintf from
		# d->vos[] into a client of d) that the sanitized -O1 build does not see
		make -j2 CFLAGS="-g -O2 -Wno-error=restrict" >"$b/make.out" 2>&1 || { tail -n 30 "$b/make.out" >&2; exit 1; }
	) || { echo "$(basename "$0"): build in $b failed" >&2; exit 1; }
	VCN_BUILD=$b
	VCN_TOP=$b
	export VCN_BUILD VCN_TOP
}
