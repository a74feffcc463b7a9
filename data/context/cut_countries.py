#!/usr/bin/env python3
"""Cuts Ukraine and its neighbours out of Natural Earth 1:10m admin-0 countries.

Input: `countries-10m.json` (TopoJSON) from the npm package `world-atlas` 2.0.2
(`npm pack world-atlas@2.0.2`), which is Natural Earth 1:10m (public domain) quantised to
1e5 steps (about 250 m). Output: a GeoJSON FeatureCollection of the countries named below,
exterior rings counter-clockwise (RFC 7946), coordinates rounded to 4 decimals.

    python3 data/context/cut_countries.py package/countries-10m.json \
        > data/context/ne_10m_countries_ukraine_region.geojson
"""
import json
import sys

NAMES = ["Belarus", "Ukraine", "Poland", "Hungary", "Moldova", "Romania", "Slovakia"]


def main(path):
    topo = json.load(open(path))
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((round(x * sx + tx, 4), round(y * sy + ty, 4)))
        arcs.append(pts)

    def ring(indices):
        out = []
        for i in indices:
            pts = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(pts if not out else pts[1:])
        return out

    def signed_area(r):
        return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(r, r[1:])) / 2

    def polygon(rings):
        rs = [ring(r) for r in rings]
        out = []
        for k, r in enumerate(rs):
            ccw = signed_area(r) > 0
            if (k == 0) != ccw:  # exterior counter-clockwise, holes clockwise
                r = r[::-1]
            out.append([list(p) for p in r])
        return out

    features = []
    for g in topo["objects"]["countries"]["geometries"]:
        name = g.get("properties", {}).get("name")
        if name not in NAMES:
            continue
        if g["type"] == "Polygon":
            geom = {"type": "Polygon", "coordinates": polygon(g["arcs"])}
        else:
            geom = {"type": "MultiPolygon", "coordinates": [polygon(p) for p in g["arcs"]]}
        features.append({"type": "Feature", "properties": {"name": name}, "geometry": geom})
    features.sort(key=lambda f: NAMES.index(f["properties"]["name"]))
    json.dump({"type": "FeatureCollection", "features": features}, sys.stdout,
              separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
