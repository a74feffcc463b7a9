"""What cut_water.py and cut_rivers_urban.py share: the region they cut Natural Earth to,
and how they cut lines and round coordinates.

The region is the union of the four sample scenarios' extents (data/scenarios/, lon 22.2 to
39.2, lat 44.7 to 51.95) plus a 1.5 degree margin.
"""

REGION = (22.2 - 1.5, 44.7 - 1.5, 39.2 + 1.5, 51.95 + 1.5)


def inside(p):
    return REGION[0] <= p[0] <= REGION[2] and REGION[1] <= p[1] <= REGION[3]


def bbox_meets(pts):
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    return min(xs) <= REGION[2] and max(xs) >= REGION[0] and \
        min(ys) <= REGION[3] and max(ys) >= REGION[1]


def signed_area(r):
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(r, r[1:])) / 2


def rnd(pts):
    """Coordinates rounded to 4 decimals (about 10 m), repeated points dropped."""
    out = []
    for p in pts:
        q = [round(p[0], 4), round(p[1], 4)]
        if not out or out[-1] != q:
            out.append(q)
    return out


def runs_inside(line):
    """The runs of a line's vertices inside the region, each extended by one vertex on either
    side so that it reaches the border, rounded; runs shorter than 2 points are dropped."""
    if not bbox_meets(line):
        return []
    keep = [inside(p) for p in line]
    n, i, out = len(line), 0, []
    while i < n:
        if not keep[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and keep[j + 1]:
            j += 1
        run = rnd(line[max(i - 1, 0):min(j + 2, n)])
        if len(run) >= 2:
            out.append(run)
        i = j + 1
    return out
