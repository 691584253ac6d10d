#!/usr/bin/env python3
"""One-off converter: world-countries 5.1.0 (ODbL) GeoJSON -> compact outline resource.

Usage:
  python3 convert_world_outline.py /path/to/world-countries/package/data \
      ../main/resources/org/geodecoder/eval/report/world-outline.txt

Output format (text, UTF-8), one polygon ring per line:
  ISO3 lon lat lon lat ...
with coordinates as integers in tenths of a degree (lon in [-1800, 1800], lat in [-900, 900]).
Simplification: coordinates rounded to 0.1 degree, consecutive duplicates dropped, then
Douglas-Peucker with a 0.1 degree tolerance; rings that collapse to fewer than 4 points or
whose bounding box is under 0.3 degree are dropped (tiny islets are invisible at map scale).
"""
import glob
import json
import os
import sys

TOLERANCE = 1.0  # in tenths of a degree
MIN_EXTENT = 3   # in tenths of a degree


def rounded(ring):
    out = []
    for lon, lat in ring:
        p = (int(round(lon * 10)), int(round(lat * 10)))
        if not out or out[-1] != p:
            out.append(p)
    return out


def perpendicular_distance(p, a, b):
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == 0 and dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / (dx * dx + dy * dy) ** 0.5


def douglas_peucker(points):
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        lo, hi = stack.pop()
        best, index = -1.0, -1
        for i in range(lo + 1, hi):
            d = perpendicular_distance(points[i], points[lo], points[hi])
            if d > best:
                best, index = d, i
        if best > TOLERANCE:
            keep[index] = True
            stack.append((lo, index))
            stack.append((index, hi))
    return [p for p, k in zip(points, keep) if k]


def rings_of(geometry):
    if geometry["type"] == "Polygon":
        return geometry["coordinates"]
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def main(source_dir, target):
    lines = []
    for path in sorted(glob.glob(os.path.join(source_dir, "*.geo.json"))):
        iso3 = os.path.basename(path).split(".")[0].upper()
        with open(path, encoding="utf-8") as f:
            collection = json.load(f)
        for feature in collection["features"]:
            geometry = feature.get("geometry")
            if not geometry:  # a few territories ship without a shape
                continue
            for ring in rings_of(geometry):
                points = douglas_peucker(rounded(ring))
                xs = [p[0] for p in points]
                ys = [p[1] for p in points]
                if len(points) < 4 or max(max(xs) - min(xs), max(ys) - min(ys)) < MIN_EXTENT:
                    continue
                coords = " ".join(f"{x} {y}" for x, y in points)
                lines.append(f"{iso3} {coords}")
    with open(target, "w", encoding="utf-8") as out:
        out.write("# World country outlines, simplified from world-countries 5.1.0 (ODbL 1.0).\n")
        out.write("# One ring per line: ISO3 then lon lat pairs in tenths of a degree. See ATTRIBUTION.md.\n")
        out.write("\n".join(lines))
        out.write("\n")
    print(f"{len(lines)} rings, {os.path.getsize(target)} bytes -> {target}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
