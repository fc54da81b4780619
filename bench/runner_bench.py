"""Times `vimo status` and a no-op `vimo run` as the dataset grows; see bench/runner.sh."""
import csv, os, statistics, subprocess, sys, time

bin_dir, metadata, root = sys.argv[1], sys.argv[2], sys.argv[3]
sizes = [int(s) for s in sys.argv[4:]] or [3000, 10000, 30100]
vimo = os.path.join(bin_dir, "vimo")
stage = os.path.join(bin_dir, "vimo-bench-stage")
with open(metadata, newline="") as f:
    rows = list(csv.DictReader(f))

def dataset(n):
    path = os.path.abspath(os.path.join(root, f"ak-{n}"))
    if os.path.exists(os.path.join(path, ".ready")):
        return path
    os.makedirs(os.path.join(path, "video"), exist_ok=True)
    os.makedirs(os.path.join(path, "annotation"), exist_ok=True)
    for row in rows[:n]:  # a placeholder "video": 256 bytes unique to the clip
        with open(os.path.join(path, "video", row["video_id"] + ".mp4"), "wb") as v:
            v.write((row["video_id"] * 32).encode())
    with open(os.path.join(path, "annotation", "AR_metadata.csv"), "w", newline="") as a:
        w = csv.writer(a)
        w.writerow(["S/N", "video_id", "type", "labels"])
        for row in rows[:n]:
            w.writerow([row["S/N"], row["video_id"], row["type"], row["labels"]])
    open(os.path.join(path, ".ready"), "w").close()
    return path

def pipeline(n, data):
    path = os.path.abspath(os.path.join(root, f"bench-{n}.yaml"))
    with open(path, "w") as p:
        p.write(f"""vars:
  dataset: {data}
  stage: {stage}
stages:
  decode: {{run: "${{stage}}", kind: items, inputs: {{dataset: "${{dataset}}"}}}}
  flow: {{run: "${{stage}}", kind: items, inputs: {{upstream: decode}}}}
  clip: {{run: "${{stage}}", kind: items, inputs: {{upstream: decode}}}}
  moclip-train: {{run: "${{stage}}", inputs: {{train: flow, teacher: clip, labels: "${{dataset}}"}}}}
  moclip: {{run: "${{stage}}", kind: items, inputs: {{upstream: flow, weights: moclip-train/model.bin}}}}
  tfam-train: {{run: "${{stage}}", inputs: {{train: clip, motion: moclip, annotations: "${{dataset}}"}}}}
  eval: {{run: "${{stage}}", inputs: {{train: tfam-train, annotations: "${{dataset}}"}}}}
""")
    return path

def timed(cmd, runs=5):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - t)
        if r.returncode != 0:
            sys.exit(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.decode()[-2000:]}")
    return statistics.median(times)

print(f"{'items':>6} {'first run':>10} {'status':>8} {'no-op run':>10} {'find (anchor)':>14} {'status/anchor':>14} {'run/anchor':>11}")
for n in sizes:
    data = dataset(n)
    yaml = pipeline(n, data)
    cache = os.path.abspath(os.path.join(root, f"cache-{n}"))
    t = time.perf_counter()
    first = subprocess.run([vimo, "run", yaml, "--cache", cache, "--quiet"], capture_output=True)
    fill = time.perf_counter() - t
    if first.returncode != 0:
        sys.exit(first.stdout.decode()[-3000:] + first.stderr.decode()[-3000:])
    status = timed([vimo, "status", yaml, "--cache", cache])
    noop = timed([vimo, "run", yaml, "--cache", cache, "--quiet"])
    anchor = timed(["find", data, "-type", "f", "-printf", "%i %s %T@\\n"])
    print(f"{n:>6} {fill:>9.2f}s {status:>7.3f}s {noop:>9.3f}s {anchor:>13.3f}s {status / anchor:>13.1f}× {noop / anchor:>10.1f}×")
    print(f"       goal < 1 s: status {status:.3f} s ({status / 1.0:.2f} of the goal), no-op run {noop:.3f} s ({noop / 1.0:.2f})")
