#!/usr/bin/env python3
"""Cuts Natural Earth rivers (1:10m) and urban areas (1:50m) to the sample scenarios' region.

Inputs (Natural Earth, public domain), as GeoJSON: `ne_10m_rivers_lake_centerlines.json`
(from the 7z archive `10m/physical/ne_10m_rivers_lake_centerlines.7z`) and
`50m/cultural/ne_50m_urban_areas.json` of the public GitHub repository
martynafford/natural-earth-geojson (commit 0b9a6ce), a GeoJSON conversion of Natural Earth
vector 4.1/5.x. Run once by hand, not in CI or the build:

    python3 data/context/cut_rivers_urban.py RIVERS.json URBAN.json \
        > data/context/ne_rivers_urban_ukraine_region.geojson

Output: a GeoJSON FeatureCollection, coordinates rounded to 4 decimals (about 10 m):
 - river centre lines cut to the region (runs of vertices inside it, each extended by one
   vertex to reach the border), property `"layer": "river"` and `"name"` (Natural Earth's);
 - urban-area polygons whose bounding box meets the region, kept whole, `"layer": "urban"`.
The region and the cutting are ne_region.py's (shared with cut_water.py).
"""
import json
import sys

from ne_region import bbox_meets, rnd, runs_inside

def lines_of(geom):
    if geom["type"] == "LineString":
        return [geom["coordinates"]]
    if geom["type"] == "MultiLineString":
        return geom["coordinates"]
    return []


def polygons_of(geom):
    if geom["type"] == "Polygon":
        return [geom["coordinates"]]
    if geom["type"] == "MultiPolygon":
        return geom["coordinates"]
    return []


def rivers(fc):
    feats = []
    for f in fc["features"]:
        name = (f.get("properties") or {}).get("name") or ""
        for line in lines_of(f["geometry"] or {"type": "None"}):
            for run in runs_inside(line):
                feats.append({"type": "Feature",
                              "properties": {"layer": "river", "name": name},
                              "geometry": {"type": "LineString", "coordinates": run}})
    return feats


def urban(fc):
    feats = []
    for f in fc["features"]:
        for poly in polygons_of(f["geometry"] or {"type": "None"}):
            if not poly or not bbox_meets(poly[0]):
                continue
            rings = [rnd(r) for r in poly]
            rings = [r for r in rings if len(r) >= 4]
            if rings:
                feats.append({"type": "Feature", "properties": {"layer": "urban"},
                              "geometry": {"type": "Polygon", "coordinates": rings}})
    return feats


def main():
    riv = json.load(open(sys.argv[1]))
    urb = json.load(open(sys.argv[2]))
    out = {"type": "FeatureCollection", "features": rivers(riv) + urban(urb)}
    json.dump(out, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
