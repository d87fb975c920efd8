#!/usr/bin/env python3
"""Turns one bench/run's measurements into its report: machine, medians, ratios, targets, chart.

The report is the block between <!-- run:start --> and <!-- run:end --> of the target file; every
other block (bench/debian, bench/test, bench/roots, the hand-written findings) is kept as it is.
"""
import os
import re
import statistics
import subprocess
import sys
from collections import defaultdict

(results, out, mode, runs, ncells, cpu, cores, rss_kb, bigsteps, rebuilt, only, noop1k_cells,
 chart, profile) = sys.argv[1:15]
runs, ncells, cores, rss_kb, bigsteps, noop1k_cells = (int(runs), int(ncells), int(cores), int(rss_kb),
                                                       int(bigsteps), int(noop1k_cells))
cpu = float(cpu)
measured = set(only.split())

data = defaultdict(list)
for line in open(results):
    scenario, side, seconds = line.rstrip("\n").split("\t")
    data[(scenario, side)].append(float(seconds))


def med(s, side="kforge"):
    v = data.get((s, side), [])
    return statistics.median(v) if v else None


def row(s, side):
    v = data[(s, side)]
    return "%.3f | %.3f | %.3f | %d" % (statistics.median(v), min(v), max(v), len(v))


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
    except Exception:
        return "n/a"


def verdict(ok):
    return "met" if ok else "**missed**"


# The chart: kforge against the loop per scenario, both sides from this run (gnuplot, when installed).
pairs = [(label, med(s), med(s, "loop")) for s, label in [('cold', 'cold build'), ('noop', 'no-op'), ('incremental', 'incremental')] if med(s) and med(s, "loop")]
if pairs:
    dat = chart + ".dat"
    with open(dat, "w") as f:
        for label, k, l in pairs:
            f.write('"%s" %.4f %.4f\n' % (label, k, l))
    script = """set terminal png size 720,420
set output '%s'
set title 'kforge vs the make loop (median seconds, one run, log scale)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set yrange [0.1:*]
set ylabel 'seconds'
set key top right
plot '%s' using 2:xtic(1) title 'kforge' lc rgb '#2b6cb0', '' using 3 title 'make loop' lc rgb '#c05621'
""" % (chart, dat)
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        print("bench/report.py: no chart (%s); install gnuplot-nox" % e, file=sys.stderr)
    finally:
        os.remove(dat)


lines = []
w = lines.append
w("<!-- run:start -->")
w("# kforge benchmarks")
w("")
w("Written by `bench/run` on %s (%s mode, %d counted runs per side after a warm-up; kforge and the baseline "
  "alternate A B A B). Every figure in this block comes from that one run on a shared, noisy machine: "
  "compare the ratios, which come from the same run. Scenarios measured: %s."
  % (sh("date -u +%Y-%m-%d"), mode, runs, ", ".join(only.split())))
w("")
w("## Machine")
w("")
w("| | |")
w("|---|---|")
w("| cpu | %s |" % sh("lscpu | sed -n 's/^Model name: *//p'"))
w("| cores | %d |" % cores)
w("| memory | %s |" % sh("free -h | awk '/Mem:/{print $2}'"))
w("| kernel | %s |" % sh("uname -r"))
w("| os | %s |" % sh(". /etc/os-release && echo $PRETTY_NAME"))
w("| java | %s |" % sh("java -version 2>&1 | head -1"))
w("| make | %s |" % sh("make --version"))
w("| gcc | %s |" % sh("gcc --version"))
w("| clang | %s |" % sh("clang --version"))
w("| rustc (Debian) | %s |" % sh("/usr/bin/rustc --version"))
w("")
w("## Method")
w("")
w("The workspace is `examples/` as shipped: %d kernel-module cells, which kforge also signs, and their cargo "
  "companions (a test crate, a tool crate cross-built for every cell's arch), which kforge also builds (the "
  "loop does neither, so its side does less work). Kernel trees are prepared "
  "before any measurement. The baseline is the loop users write by hand: the same cells one after another, with "
  "exactly kforge's make command lines (`kforge explain --only-cell`), building in place. kforge runs with its "
  "defaults (`-j` = cores; Kbuild's compiler probes memoised per tree and toolchain, learnt by the set-up build as "
  "the trees are prepared by it, see the ablation below). *cold*: `kforge build --no-cache` against the loop's rm/cp/make of every cell. *no-op*: "
  "nothing changed; every cell cached against Kbuild's own no-op make of every cell. *incremental*: one line "
  "appended to `kf_user.c` (both sides), kforge's default build against the loop's make of every cell in its kept "
  "directories. *no-op, 1,000 drivers*: a generated workspace of 1,000 drivers, every cell cached (put there by one "
  "build against a stub tree, see bench/run). *plan, 10,000 cells*: 1,000 drivers x 5 arches x 2 toolchains on a "
  "kernel source skeleton." % ncells)
w("")
w("## Results")
w("")
w("| scenario | side | median s | min s | max s | runs |")
w("|---|---|---|---|---|---|")
labels = [("cold", "cold build"), ("noop", "no-op"), ("incremental", "incremental"),
          ("noop-noplancache", "no-op, plan cache off"), ("noop1k", "no-op, 1,000 drivers"),
          ("plan10k", "plan, 10,000 cells (plan cache off)"), ("plan10k-cached", "plan, 10,000 cells, remembered"),
          ("version", "kforge --version"),
          ("plan-examples", "kforge plan (examples)"), ("version-appcds", "--version, a dynamic archive trained on plan"),
          ("version-default-jvm", "--version, default JVM flags"),
          ("tree-reuse", "tree reuse (per tree)"), ("tree-first", "tree first prepare")]
for s, label in labels:
    for side in ("kforge", "loop"):
        if (s, side) in data:
            w("| %s | %s | %s |" % (label, side if side == "kforge" else "make loop", row(s, side)))
w("")
if pairs and os.path.isfile(chart):
    w("![kforge against the make loop, median seconds per scenario (log scale)](%s)"
      % os.path.relpath(chart, os.path.dirname(os.path.abspath(out))))
    w("")
w("## Targets")
w("")
w("| scenario | target | measured | verdict |")
w("|---|---|---|---|")
if med("cold") and med("cold", "loop"):
    k, l = med("cold"), med("cold", "loop")
    w("| cold build | kforge <= 0.6 x loop | %.2f x (%.1f s vs %.1f s) | %s |" % (k / l, k, l, verdict(k / l <= 0.6)))
    floor = cpu / cores
    w("| cold build, the loop's CPU spread over the cores | report | loop CPU %.1f s / %d cores = %.1f s; kforge %.1f s %s | - |"
      % (cpu, cores, floor, abs(k - floor), "above it" if k >= floor else "below it (its makes skip the compiler probes)"))
if med("noop") and med("noop", "loop"):
    k, l = med("noop"), med("noop", "loop")
    w("| no-op | <= 0.5 s and >= 20 x faster | %.3f s, %.1f x (loop %.2f s) | %s |"
      % (k, l / k, l, verdict(k <= 0.5 and l / k >= 20)))
if med("incremental") and med("incremental", "loop"):
    k, l = med("incremental"), med("incremental", "loop")
    only_user = all(c.startswith("kf_user/") for c in rebuilt.split(",") if c)
    w("| incremental | only the touched driver's cells; >= 5 x faster | %.1f x (%.2f s vs %.2f s); rebuilt: %s | %s |"
      % (l / k, k, l, rebuilt or "none", verdict(l / k >= 5 and only_user)))
if med("noop1k"):
    k = med("noop1k")
    w("| no-op, 1,000 drivers | <= 2 s | %.3f s (%d cells cached) | %s |" % (k, noop1k_cells, verdict(k <= 2 and noop1k_cells == 1000)))
if med("plan10k"):
    k = med("plan10k")
    w("| planning at scale | <= 1.5 s and <= 512 MB for 10,000 cells | %.2f s, %d MB peak RSS, %d build steps | %s |"
      % (k, rss_kb // 1024, bigsteps, verdict(k <= 1.5 and rss_kb <= 512 * 1024)))
if med("version"):
    w("| start-up | --version median <= 0.3 s | %.3f s | %s |" % (med("version"), verdict(med("version") <= 0.3)))
if med("tree-reuse"):
    w("| tree reuse | <= 0.1 s per tree, no make | %.3f s | %s |" % (med("tree-reuse"), verdict(med("tree-reuse") <= 0.1)))
if med("noop-noplancache") and med("noop"):
    w("")
    w("## Ablation: the no-op without the plan cache")
    w("")
    w("The same no-op with `KFORGE_NO_PLAN_CACHE=1`, %d runs in this run: every run loads the manifest, reads the "
      "kernels and probes the tools again." % runs)
    w("")
    w("| scenario | plan cache on (median) | plan cache off (median) | difference |")
    w("|---|---|---|---|")
    w("| no-op | %.3f s | %.3f s | %.3f s |" % (med("noop"), med("noop-noplancache"), med("noop-noplancache") - med("noop")))
if med("cold-nomemo") or med("incremental-nomemo"):
    w("")
    w("## Ablation: without the memo of Kbuild's compiler probes")
    w("")
    w("Each once, in this run, with `KFORGE_NO_PROBE_MEMO=1`: every make runs Kbuild's cc-option/as-instr probes, as "
      "the loop's do. The difference to the rows above is what the memo makes.")
    w("")
    w("| scenario | kforge, memo off | kforge, memo on (median) | make loop (median) | ratio, memo off |")
    w("|---|---|---|---|---|")
    for s, label, better in (("cold", "cold build", False), ("incremental", "incremental", True)):
        off = med(s + "-nomemo")
        if off and med(s) and med(s, "loop"):
            l = med(s, "loop")
            w("| %s | %.2f s | %.2f s | %.2f s | %s |" % (label, off, med(s), l,
              ("%.1f x faster" % (l / off)) if better else ("%.2f x the loop" % (off / l))))
prof = {p.split("\t")[0]: p.split("\t")[1:] for p in profile.split(";") if p.strip()}
if prof:
    w("")
    w("## Where the cold build's time goes (this run)")
    w("")
    busy, saturated, secs = prof["coldcpu"]
    wall, user, system = prof["coldtime"]
    chain_target, chain, total = prof["coldchain"]
    w("| measure | value |")
    w("|---|---|")
    w("| CPU busy over one `kforge build --no-cache` (vmstat, %s one-second samples) | %s %% on average, %s %% of the seconds at >= 90 %% |"
      % (secs, busy, saturated))
    w("| that build: wall / user / system seconds | %s / %s / %s (CPU %.2f cores on average) |"
      % (wall, user, system, (float(user) + float(system)) / float(wall)))
    w("| longest chain of dependent cells (kf_core, then kf_user) | %s: %s s of %s s of cell time |" % (chain_target, chain, total))
    for j in (1, 2, 3, 4):
        if med("cold-j%d" % j):
            w("| `-j %d` (cells in flight and make's -j) | %.2f s |" % (j, med("cold-j%d" % j)))
w("<!-- run:end -->")
block = "\n".join(lines)

text = open(out).read() if os.path.isfile(out) else ""
if "<!-- run:start -->" in text:
    text = re.sub(r"<!-- run:start -->.*?<!-- run:end -->", lambda m: block, text, flags=re.S)
else:
    # The first report in this form: it replaces whatever stood before the first kept block.
    keep = text.find("<!-- ")
    text = block + "\n\n" + (text[keep:] if keep >= 0 else "")
open(out, "w").write(text.rstrip() + "\n")
