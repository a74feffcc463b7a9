//! Coverage volumes: the footprint of one site on one layer.
//!
//! A site of class `C` covers a target at ground distance `d` and height `h` (above ground)
//! against threat `T` iff `C` has an [`Envelope`] for `T` and
//!
//! * `min_alt ≤ h ≤ max_alt` (altitude band),
//! * `min_range ≤ √(d² + (h − ha)²) ≤ max_range` (slant range from the antenna at height `ha`),
//! * `d ≤ √(2·k·R·ha) + √(2·k·R·h)` (smooth-earth radar horizon, effective radius `k·R`),
//! * the bearing is inside the radar's azimuth sector (for sector radars).
//!
//! On flat terrain the footprint on a layer is therefore an **annulus clipped to a wedge**. The
//! annulus is stored as squared ground-distance bounds and the wedge as two half-planes, so the
//! membership test ([`Footprint::covers`]) is a handful of multiplications, and the set of grid
//! cells covered in one row ([`Footprint::row_spans`]) is found exactly, with the same
//! arithmetic, in O(1) predicate evaluations per span end.
//!
//! A sector's true edges are geodesics, which bend slightly in the local frame away from its
//! centre ([`BearingMap::to_grid_chord`]). Each edge is drawn as the chord at the middle of the
//! range band; when that chord would stray more than [`SECTOR_EDGE_TOL_DEG`] of true bearing
//! from the geodesic at either end of the band, the band is split at its middle ring and each
//! half gets its own chords (half the error), so edges stay within 0.01° of the true bearing up
//! to 160 km from a site 300 km from the frame's centre (tested against geographiclib).

use crate::bearing::BearingMap;
use crate::catalogue::{Catalogue, ClassId, Envelope, Layer, SystemClass};
use crate::site::Site;

/// The azimuth sector of a radar as half-planes through the site.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sector {
    /// All-round.
    Full,
    /// Width ≤ 180°: inside both half-planes.
    Convex { l: [f64; 2], r: [f64; 2] },
    /// Width in (180°, 360°): inside either half-plane.
    Reflex { l: [f64; 2], r: [f64; 2] },
}

/// When a sector edge drawn as one chord over the whole range band would stray more than this
/// from the true edge (degrees of true bearing, at the band's ends), the band is split in two
/// with a chord each.
pub const SECTOR_EDGE_TOL_DEG: f64 = 0.004;

/// Where a sector's range band `r_min..=r_max` must be split so that each half's edge chords
/// stay within [`SECTOR_EDGE_TOL_DEG`] of the true edges: `None` when one chord pair at
/// mid-band is close enough (or the sector is full), else the middle ring. Shared by the
/// footprint and the route timelines so both draw the same edges.
pub(crate) fn sector_band_split(
    width_deg: f64,
    facing_deg: f64,
    bearings: &BearingMap,
    r_min: f64,
    r_max: f64,
) -> Option<f64> {
    if width_deg.is_nan() || width_deg >= 360.0 {
        return None;
    }
    let h = width_deg / 2.0;
    let bend = bearings
        .bend_deg_per_m(facing_deg - h)
        .abs()
        .max(bearings.bend_deg_per_m(facing_deg + h).abs());
    let r_split = (r_min + r_max) / 2.0;
    let error_deg = bend * (r_max - r_min) / 2.0;
    // (a NaN error keeps the single chord pair)
    (!error_deg.is_nan() && error_deg > SECTOR_EDGE_TOL_DEG && r_split > 0.0).then_some(r_split)
}

/// The sector used beyond a ring: ground distances² at or above `r2`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct OuterBand {
    r2: f64,
    sector: Sector,
}

/// The sector's boundary unit vectors and whether it is reflex (wider than 180°), for the
/// rasterisers that must reproduce [`Footprint::covers`] bit for bit.
pub(crate) type RawSector = ([f64; 2], [f64; 2], bool);

/// Unit vector of a bearing (degrees clockwise from north) in the local frame.
fn bearing_vec(deg: f64) -> [f64; 2] {
    let a = deg.to_radians();
    [a.sin(), a.cos()]
}

impl Sector {
    /// The sector of true bearings `facing ± width/2`, its edges mapped to the local frame as
    /// the chords to the edge geodesics at `mid_range_m` (see [`BearingMap::to_grid_chord`]).
    fn new(width_deg: f64, facing_deg: f64, bearings: &BearingMap, mid_range_m: f64) -> Sector {
        if width_deg.is_nan() || width_deg >= 360.0 {
            return Sector::Full;
        }
        let h = width_deg / 2.0;
        let l = bearing_vec(bearings.to_grid_chord(facing_deg - h, mid_range_m));
        let r = bearing_vec(bearings.to_grid_chord(facing_deg + h, mid_range_m));
        if width_deg <= 180.0 {
            Sector::Convex { l, r }
        } else {
            Sector::Reflex { l, r }
        }
    }

    /// The sector over the range band `r_min..=r_max`: one pair of chords at mid-band, or,
    /// when their error would exceed [`SECTOR_EDGE_TOL_DEG`], chords per half-band (the
    /// outer half returned as an [`OuterBand`]).
    fn banded(
        width_deg: f64,
        facing_deg: f64,
        bearings: &BearingMap,
        r_min: f64,
        r_max: f64,
    ) -> (Sector, Option<OuterBand>) {
        let whole = Sector::new(width_deg, facing_deg, bearings, (r_min + r_max) / 2.0);
        if whole == Sector::Full {
            return (whole, None);
        }
        let Some(r_split) = sector_band_split(width_deg, facing_deg, bearings, r_min, r_max) else {
            return (whole, None);
        };
        let inner = Sector::new(width_deg, facing_deg, bearings, (r_min + r_split) / 2.0);
        let outer = Sector::new(width_deg, facing_deg, bearings, (r_split + r_max) / 2.0);
        let band = OuterBand {
            r2: r_split * r_split,
            sector: outer,
        };
        (inner, Some(band))
    }

    /// True iff offset `(dx, dy)` is inside the sector (its closure).
    #[inline(always)]
    fn contains(&self, dx: f64, dy: f64) -> bool {
        match *self {
            Sector::Full => true,
            Sector::Convex { l, r } => in_left(l, dx, dy) && in_right(r, dx, dy),
            Sector::Reflex { l, r } => in_left(l, dx, dy) || in_right(r, dx, dy),
        }
    }

    fn raw(&self) -> Option<RawSector> {
        match *self {
            Sector::Full => None,
            Sector::Convex { l, r } => Some((l, r, false)),
            Sector::Reflex { l, r } => Some((l, r, true)),
        }
    }

    /// Fraction of the full circle the sector spans.
    fn fraction(&self) -> f64 {
        match *self {
            Sector::Full => 1.0,
            Sector::Convex { l, r } | Sector::Reflex { l, r } => {
                // angle from l clockwise to r
                let a = (l[0] * r[1] - l[1] * r[0]).atan2(l[0] * r[0] + l[1] * r[1]);
                let cw = (-a).rem_euclid(std::f64::consts::TAU);
                cw / std::f64::consts::TAU
            }
        }
    }
}

/// Clockwise of (or on) the left boundary ray `l`.
#[inline(always)]
fn in_left(l: [f64; 2], dx: f64, dy: f64) -> bool {
    l[0] * dy - l[1] * dx <= 0.0
}

/// Counter-clockwise of (or on) the right boundary ray `r`.
#[inline(always)]
fn in_right(r: [f64; 2], dx: f64, dy: f64) -> bool {
    r[0] * dy - r[1] * dx >= 0.0
}

/// The footprint of one site on one layer, on flat terrain.
///
/// # Examples
/// ```
/// use skycover::{Catalogue, Footprint, Site};
/// let cat = Catalogue::builtin();
/// let cuas = cat.class_id("counter_uas")?;
/// let drone_low = cat.layers_of(cat.threat_id("drone")?).next().unwrap();
/// let fp = Footprint::new(&cat, &Site::new(cuas, [0.0, 0.0], 0.0), drone_low);
/// assert!(fp.covers([2_000.0, 1_000.0]));
/// assert!(!fp.covers([5_000.0, 0.0]));
/// assert!(fp.max_ground_range_m() < 4_000.0);
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Footprint {
    centre: [f64; 2],
    r2_min: f64,
    r2_max: f64,
    active: bool,
    sector: Sector,
    /// Beyond a ring, the sector with its own chords (long range bands off the frame's centre).
    outer: Option<OuterBand>,
}

impl Footprint {
    /// The footprint of `site` on `layer` (flat terrain).
    ///
    /// A class without an envelope for the layer's threat, or a layer outside its altitude band,
    /// gives an empty footprint ([`is_empty`](Self::is_empty)).
    ///
    /// A site whose class or a layer whose threat is not in `catalogue` also gives an empty
    /// footprint (never a panic).
    pub fn new(catalogue: &Catalogue, site: &Site, layer: &Layer) -> Footprint {
        let (Some(class), true) = (
            catalogue.systems().get(site.class.0),
            layer.threat.0 < catalogue.threats().len(),
        ) else {
            return Self::from_parts(&catalogue.systems()[0], None, site.position, 0.0, 0.0);
        };
        let env = catalogue.envelope(site.class, layer.threat);
        Self::from_parts_with_bearings(
            class,
            env,
            site.position,
            site.facing_deg,
            &site.bearings,
            layer.altitude_m,
        )
    }

    /// The footprint of a class with envelope `env` (if any) at `centre` facing `facing_deg`
    /// (a bearing in the local frame), against a target at `altitude_m` above ground.
    pub fn from_parts(
        class: &SystemClass,
        env: Option<&Envelope>,
        centre: [f64; 2],
        facing_deg: f64,
        altitude_m: f64,
    ) -> Footprint {
        Self::from_parts_with_bearings(
            class,
            env,
            centre,
            facing_deg,
            &BearingMap::IDENTITY,
            altitude_m,
        )
    }

    /// [`from_parts`](Self::from_parts) with `facing_deg` a true bearing at the site, its sector
    /// edges mapped to the local frame by `bearings` (see [`crate::bearing`]).
    pub fn from_parts_with_bearings(
        class: &SystemClass,
        env: Option<&Envelope>,
        centre: [f64; 2],
        facing_deg: f64,
        bearings: &BearingMap,
        altitude_m: f64,
    ) -> Footprint {
        Self::build(class, env, centre, facing_deg, bearings, altitude_m, None)
    }

    /// The footprint of `site` on `layer` over `terrain`: as [`new`](Self::new), with the
    /// radar-horizon cap of [`horizon_cap_m`](crate::terrain::horizon_cap_m) (heights above
    /// sea level, the lowest ground as reference) instead of the smooth-earth horizon above
    /// local ground. Identical to [`new`](Self::new) on [`Terrain::Flat`](crate::Terrain::Flat).
    /// Every terrain-aware path (evaluation, placement) builds its footprints with it, and
    /// masks them by the terrain line of sight.
    ///
    /// # Examples
    /// ```
    /// use skycover::terrain::{synth, Terrain};
    /// use skycover::{Catalogue, Footprint, Grid, Site};
    /// let cat = Catalogue::builtin();
    /// let patriot = cat.class_id("patriot_class")?;
    /// let cruise = cat.layers_of(cat.threat_id("cruise_missile")?).next().unwrap(); // 30 m
    /// let site = Site::new(patriot, [1_000.0, 0.0], 90.0);
    /// // on a 200 m escarpment the cap no longer stops at the 10 m mast's 35.6 km
    /// let extent = Grid::covering([-100_000.0, -2_000.0, 10_000.0, 2_000.0], 500.0, 1 << 20)?;
    /// let t = Terrain::from_local_dem(&synth::plateau(&extent, 0.0, 200.0, 500.0)?)?;
    /// assert!(Footprint::new(&cat, &site, cruise).max_ground_range_m() < 36_000.0);
    /// assert!(Footprint::new_over(&cat, &site, cruise, &t).max_ground_range_m() > 79_000.0);
    /// assert_eq!(Footprint::new_over(&cat, &site, cruise, &Terrain::Flat), Footprint::new(&cat, &site, cruise));
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn new_over(
        catalogue: &Catalogue,
        site: &Site,
        layer: &Layer,
        terrain: &crate::terrain::Terrain,
    ) -> Footprint {
        let Some(class) = catalogue.systems().get(site.class.0) else {
            return Self::new(catalogue, site, layer);
        };
        if terrain.is_flat() || layer.threat.0 >= catalogue.threats().len() {
            return Self::new(catalogue, site, layer);
        }
        let env = catalogue.envelope(site.class, layer.threat);
        let cap = crate::terrain::horizon_cap_m(
            terrain,
            site.position,
            class.antenna_height_m,
            layer.altitude_m,
            class.refraction_k,
        );
        Self::build(
            class,
            env,
            site.position,
            site.facing_deg,
            &site.bearings,
            layer.altitude_m,
            Some(cap),
        )
    }

    /// [`from_parts_with_bearings`](Self::from_parts_with_bearings) with the horizon cap
    /// given (`None`: the smooth-earth horizon above local ground).
    fn build(
        class: &SystemClass,
        env: Option<&Envelope>,
        centre: [f64; 2],
        facing_deg: f64,
        bearings: &BearingMap,
        altitude_m: f64,
        horizon: Option<f64>,
    ) -> Footprint {
        let empty = Footprint {
            centre,
            r2_min: 0.0,
            r2_max: -1.0,
            active: false,
            sector: Sector::Full,
            outer: None,
        };
        let Some(e) = env else { return empty };
        if !(altitude_m >= e.min_alt_m && altitude_m <= e.max_alt_m) {
            return empty;
        }
        let dh = altitude_m - class.antenna_height_m;
        let dh2 = dh * dh;
        let horizon = horizon.unwrap_or_else(|| class.radar_horizon_m(altitude_m));
        let r2_max = (e.max_range_m * e.max_range_m - dh2).min(horizon * horizon);
        let r2_min = (e.min_range_m * e.min_range_m - dh2).max(0.0);
        if r2_max.is_nan()
            || r2_max < 0.0
            || r2_min > r2_max
            || !centre[0].is_finite()
            || !centre[1].is_finite()
        {
            return empty;
        }
        let (sector, outer) = Sector::banded(
            class.sector_deg,
            facing_deg,
            bearings,
            r2_min.sqrt(),
            r2_max.sqrt(),
        );
        Footprint {
            centre,
            r2_min,
            r2_max,
            active: true,
            sector,
            outer,
        }
    }

    /// True when the footprint covers nothing.
    pub fn is_empty(&self) -> bool {
        !self.active
    }

    /// Centre (the site's position), local metres.
    pub fn centre(&self) -> [f64; 2] {
        self.centre
    }

    /// Maximum ground range in metres (0 for an empty footprint).
    pub fn max_ground_range_m(&self) -> f64 {
        if self.active {
            self.r2_max.sqrt()
        } else {
            0.0
        }
    }

    /// Minimum ground range in metres (the dead zone's radius).
    pub fn min_ground_range_m(&self) -> f64 {
        if self.active {
            self.r2_min.sqrt()
        } else {
            0.0
        }
    }

    /// The radar sector as `(start_bearing_deg, width_deg)`: the sector runs clockwise from
    /// `start_bearing_deg` (in [0, 360)) over `width_deg` (grid bearings; for a range band
    /// split in two, those of the inner half). `None` for an all-round footprint.
    pub fn sector(&self) -> Option<(f64, f64)> {
        match self.sector {
            Sector::Full => None,
            Sector::Convex { l, r } | Sector::Reflex { l, r } => {
                let start = l[0].atan2(l[1]).to_degrees().rem_euclid(360.0);
                let end = r[0].atan2(r[1]).to_degrees().rem_euclid(360.0);
                let mut width = (end - start).rem_euclid(360.0);
                if width == 0.0 {
                    width = 360.0;
                }
                Some((start, width))
            }
        }
    }

    /// True for an all-round (360°) footprint.
    pub fn is_all_round(&self) -> bool {
        matches!(self.sector, Sector::Full)
    }

    /// The exact parameters of the predicate, for rasterisers elsewhere in the crate that must
    /// reproduce [`covers`](Self::covers) bit for bit: `(centre, r2_min, r2_max, sector)` with
    /// `sector = Some((l, r, reflex))` (boundary unit vectors, `reflex` for sectors wider than
    /// 180°) or `None` all-round. `None` for an empty footprint. The sector applies below the
    /// ring of [`outer_band`](Self::outer_band) when there is one.
    #[allow(clippy::type_complexity)]
    pub(crate) fn raw_parts(&self) -> Option<([f64; 2], f64, f64, Option<RawSector>)> {
        if !self.active {
            return None;
        }
        Some((self.centre, self.r2_min, self.r2_max, self.sector.raw()))
    }

    /// `(r2, sector)`: at ground distances² `≥ r2` the sector is this one instead of that of
    /// [`raw_parts`](Self::raw_parts) (a long range band split in two, see the module docs).
    pub(crate) fn outer_band(&self) -> Option<(f64, RawSector)> {
        let o = self.outer?;
        Some((o.r2, o.sector.raw()?))
    }

    /// Axis-aligned bounding box `[min_x, min_y, max_x, max_y]` (of the full disc).
    pub fn bbox(&self) -> [f64; 4] {
        let r = self.max_ground_range_m();
        let [x, y] = self.centre;
        [x - r, y - r, x + r, y + r]
    }

    /// Ground area in m² of the footprint (annulus × sector fraction).
    pub fn area_m2(&self) -> f64 {
        if !self.active {
            return 0.0;
        }
        let pi = std::f64::consts::PI;
        match self.outer {
            None => pi * (self.r2_max - self.r2_min) * self.sector.fraction(),
            Some(o) => {
                pi * (o.r2 - self.r2_min) * self.sector.fraction()
                    + pi * (self.r2_max - o.r2) * o.sector.fraction()
            }
        }
    }

    /// The sector that applies at ground distance² `d2`.
    #[inline(always)]
    fn sector_at(&self, d2: f64) -> &Sector {
        match &self.outer {
            Some(o) if d2 >= o.r2 => &o.sector,
            _ => &self.sector,
        }
    }

    /// True iff the footprint covers local point `p` (at this footprint's layer height).
    ///
    /// This is the one membership predicate of skycover: every evaluation path (reference,
    /// R-tree, raster) reduces to it, bit for bit.
    #[inline]
    pub fn covers(&self, p: [f64; 2]) -> bool {
        let dx = p[0] - self.centre[0];
        let dy = p[1] - self.centre[1];
        self.covers_offset(dx, dy)
    }

    /// [`covers`](Self::covers) for an offset `(dx, dy)` from the centre.
    #[inline(always)]
    pub fn covers_offset(&self, dx: f64, dy: f64) -> bool {
        if !self.active {
            return false;
        }
        let d2 = dx * dx + dy * dy;
        d2 <= self.r2_max && d2 >= self.r2_min && self.sector_at(d2).contains(dx, dy)
    }

    /// Calls `emit(start, end)` for each maximal run `start..end` of covered cells in one grid
    /// row, in increasing order.
    ///
    /// The row holds `nx` cells whose centres are at `x = x0 + i·step` (for `i` in `0..nx`) and
    /// `y = y`. The result is exactly `{ i : self.covers([x0 + i as f64 * step, y]) }`; it is
    /// found with O(1) evaluations of the predicate per run end (plus a short walk when the
    /// analytic guess is off by rounding), so rasterising costs O(rows), not O(cells).
    ///
    /// `step` must be > 0.
    pub fn row_spans(
        &self,
        y: f64,
        x0: f64,
        step: f64,
        nx: usize,
        mut emit: impl FnMut(usize, usize),
    ) {
        if !self.active || nx == 0 || step.is_nan() || step <= 0.0 {
            return;
        }
        let cx = self.centre[0];
        let dy = y - self.centre[1];
        let dy2 = dy * dy;
        if dy2 > self.r2_max {
            return;
        }
        let xi = |i: usize| (x0 + i as f64 * step) - cx;
        let guess = |x: f64| ((x + cx - x0) / step).max(-1.0).min(nx as f64 + 1.0);
        // split: first cell right of the centre (dx > 0)
        let s = partition_near(0, nx, guess(0.0).ceil(), |i| xi(i) <= 0.0);
        // outer disc: d2 <= r2_max ; interval [a, b)
        let w = (self.r2_max - dy2).max(0.0).sqrt();
        let a = partition_near(0, s, guess(-w).ceil(), |i| {
            let d = xi(i);
            d * d + dy2 > self.r2_max
        });
        let b = partition_near(s, nx, guess(w).floor() + 1.0, |i| {
            let d = xi(i);
            d * d + dy2 <= self.r2_max
        });
        if a >= b {
            return;
        }
        // the cells of a..b strictly inside the disc d2 < r2 (r2 > dy2): [lo, hi)
        let inside_disc = |r2: f64| {
            let w = (r2 - dy2).max(0.0).sqrt();
            let lo = partition_near(a, s.max(a), guess(-w).ceil(), |i| {
                let d = xi(i);
                d * d + dy2 >= r2
            });
            let hi = partition_near(s.min(b), b, guess(w).floor() + 1.0, |i| {
                let d = xi(i);
                d * d + dy2 < r2
            });
            (lo, hi)
        };
        let mut ann = SpanList::default();
        if self.r2_min > 0.0 && dy2 < self.r2_min {
            // hole: d2 < r2_min ; interval [ha, hb)
            let (ha, hb) = inside_disc(self.r2_min);
            ann.push(a, ha);
            ann.push(hb.max(ha), b);
        } else {
            ann.push(a, b);
        }
        // the cells of a..b inside a sector
        let inside = |sec: &Sector| -> SpanList {
            match *sec {
                Sector::Full => {
                    let mut all = SpanList::default();
                    all.push(a, b);
                    all
                }
                Sector::Convex { l, r } => {
                    let hl = half_line(l, dy, true, a, b, &xi, &guess);
                    hl.intersect(&half_line(r, dy, false, a, b, &xi, &guess))
                }
                Sector::Reflex { l, r } => {
                    let hl = half_line(l, dy, true, a, b, &xi, &guess);
                    hl.union(&half_line(r, dy, false, a, b, &xi, &guess))
                }
            }
        };
        let mut buf = [(0usize, 0usize); 8];
        let mut n = 0;
        let mut keep = |list: &SpanList| {
            for &span in list.as_slice() {
                if n < buf.len() {
                    buf[n] = span;
                    n += 1;
                }
            }
        };
        match self.outer {
            // the row crosses the inner ring (d2 < o.r2): [sa, sb) takes the inner sector
            Some(o) if dy2 < o.r2 => {
                let (sa, sb) = inside_disc(o.r2);
                let sb = sb.max(sa);
                let (mut inner, mut outer) = (SpanList::default(), SpanList::default());
                inner.push(sa, sb);
                outer.push(a, sa);
                outer.push(sb, b);
                keep(&ann.intersect(&inner).intersect(&inside(&self.sector)));
                keep(&ann.intersect(&outer).intersect(&inside(&o.sector)));
            }
            Some(o) => keep(&ann.intersect(&inside(&o.sector))),
            None => keep(&ann.intersect(&inside(&self.sector))),
        }
        let spans = &mut buf[..n];
        spans.sort_unstable();
        // coalesce touching spans (a row through the dead zone between cell centres can
        // split one run in two; the two halves of a split band meet at the ring) so that the
        // runs are maximal
        let mut pending: Option<(usize, usize)> = None;
        for &(s0, s1) in spans.iter() {
            match pending {
                Some((a, b)) if s0 <= b => pending = Some((a, b.max(s1))),
                Some((a, b)) => {
                    emit(a, b);
                    pending = Some((s0, s1));
                }
                None => pending = Some((s0, s1)),
            }
        }
        if let Some((a, b)) = pending {
            emit(a, b);
        }
    }
}

/// The cells of `lo..hi` inside one sector half-plane, as a span list.
/// `left == true`: `in_left(u, ..)`, else `in_right(u, ..)`.
fn half_line(
    u: [f64; 2],
    dy: f64,
    left: bool,
    lo: usize,
    hi: usize,
    xi: &impl Fn(usize) -> f64,
    guess: &impl Fn(f64) -> f64,
) -> SpanList {
    let test = |i: usize| {
        if left {
            in_left(u, xi(i), dy)
        } else {
            in_right(u, xi(i), dy)
        }
    };
    let mut out = SpanList::default();
    // in_left: u0*dy - u1*dx <= 0  <=>  u1*dx >= u0*dy ; in_right: u1*dx <= u0*dy.
    // Increasing in dx iff (left && u1 > 0) || (!left && u1 < 0).
    if u[1] == 0.0 {
        if lo < hi && test(lo) {
            out.push(lo, hi);
        }
        return out;
    }
    let t = u[0] * dy / u[1];
    let p_guess = guess(t);
    let increasing = (left && u[1] > 0.0) || (!left && u[1] < 0.0);
    if increasing {
        // false..false true..true
        let p = partition_near(lo, hi, p_guess.ceil(), |i| !test(i));
        out.push(p, hi);
    } else {
        let p = partition_near(lo, hi, p_guess.floor() + 1.0, test);
        out.push(lo, p);
    }
    out
}

/// For `pred` true on a prefix of `lo..hi` and false after, returns the first index where it is
/// false (or `hi`). Starts at `guess` and walks; falls back to bisection after a few steps.
#[inline]
fn partition_near(lo: usize, hi: usize, guess: f64, pred: impl Fn(usize) -> bool) -> usize {
    if lo >= hi {
        return lo;
    }
    let mut g = if guess.is_nan() {
        lo
    } else {
        guess.max(lo as f64).min(hi as f64) as usize
    };
    let (mut lo_b, mut hi_b) = (lo, hi); // pred true below lo_b, false from hi_b
    for _ in 0..4 {
        let left_ok = g == lo || pred(g - 1);
        if !left_ok {
            hi_b = g - 1;
            g -= 1;
            continue;
        }
        let right_ok = g == hi || !pred(g);
        if right_ok {
            return g;
        }
        lo_b = g + 1;
        g += 1;
    }
    let (mut l, mut h) = (lo_b, hi_b.max(lo_b));
    while l < h {
        let m = l + (h - l) / 2;
        if pred(m) {
            l = m + 1;
        } else {
            h = m;
        }
    }
    l
}

/// Up to four sorted, disjoint, non-empty half-open spans, without allocation.
#[derive(Debug, Clone, Copy, Default)]
struct SpanList {
    v: [(usize, usize); 4],
    n: usize,
}

impl SpanList {
    fn push(&mut self, a: usize, b: usize) {
        if a < b && self.n < 4 {
            self.v[self.n] = (a, b);
            self.n += 1;
        }
    }
    fn as_slice(&self) -> &[(usize, usize)] {
        &self.v[..self.n]
    }
    fn intersect(&self, o: &SpanList) -> SpanList {
        let mut out = SpanList::default();
        for &(a, b) in self.as_slice() {
            for &(c, d) in o.as_slice() {
                out.push(a.max(c), b.min(d));
            }
        }
        out.sort();
        out
    }
    fn union(&self, o: &SpanList) -> SpanList {
        let mut all: Vec<(usize, usize)> = self.as_slice().to_vec();
        all.extend_from_slice(o.as_slice());
        all.sort_unstable();
        let mut out = SpanList::default();
        for (a, b) in all {
            if out.n > 0 && a <= out.v[out.n - 1].1 {
                let last = &mut out.v[out.n - 1];
                last.1 = last.1.max(b);
            } else {
                out.push(a, b);
            }
        }
        out
    }
    fn sort(&mut self) {
        self.v[..self.n].sort_unstable();
    }
}

/// Maximum ground range in metres of `class` on `layer` (0 if it cannot engage it there).
pub fn max_ground_range_m(catalogue: &Catalogue, class: ClassId, layer: &Layer) -> f64 {
    let site = Site::new(class, [0.0, 0.0], 0.0);
    Footprint::new(catalogue, &site, layer).max_ground_range_m()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Catalogue, ThreatId};
    use proptest::prelude::*;

    fn cat() -> Catalogue {
        Catalogue::builtin()
    }

    #[test]
    fn horizon_limits_low_targets() {
        let c = cat();
        let p = c.class_id("patriot_class").unwrap();
        let cm = c.threat_id("cruise_missile").unwrap();
        let low = c.layers_of(cm).next().unwrap(); // 30 m
        let r = max_ground_range_m(&c, p, low);
        // antenna 10 m, target 30 m -> horizon ≈ 35.6 km, well short of the 80 km envelope
        assert!((r - 35_600.0).abs() < 150.0, "{r}");
        let aircraft = c.threat_id("aircraft").unwrap();
        let high = c.layers_of(aircraft).last().unwrap(); // 10 km
        let r = max_ground_range_m(&c, p, high);
        let expect = (160_000.0f64.powi(2) - (10_000.0f64 - 10.0).powi(2)).sqrt();
        assert!((r - expect).abs() < 1e-6, "{r} vs {expect}");
    }

    #[test]
    fn empty_when_no_envelope_or_out_of_band() {
        let c = cat();
        let p = c.class_id("patriot_class").unwrap();
        let drone = c.threat_id("drone").unwrap();
        for l in c.layers_of(drone) {
            assert!(Footprint::new(&c, &Site::new(p, [0.0; 2], 0.0), l).is_empty());
        }
        // ballistic band starts at 1000 m
        let bm = c.threat_id("ballistic_missile").unwrap();
        let layer = Layer {
            index: 0,
            threat: bm,
            altitude_m: 500.0,
        };
        assert!(Footprint::new(&c, &Site::new(p, [0.0; 2], 0.0), &layer).is_empty());
    }

    #[test]
    fn sector_facing() {
        let c = cat();
        let p = c.class_id("patriot_class").unwrap();
        let l = c
            .layers_of(c.threat_id("aircraft").unwrap())
            .next() // 300 m
            .unwrap();
        let east = Footprint::new(&c, &Site::new(p, [0.0; 2], 90.0), l);
        assert!(east.covers([50_000.0, 0.0]));
        assert!(east.covers([50_000.0, 28_000.0])); // 29° off axis, inside ±60°
        assert!(!east.covers([-50_000.0, 0.0]));
        assert!(!east.covers([0.0, 50_000.0]));
        assert!(!east.covers([1_000.0, 0.0])); // dead zone (min range 3 km)
        let area = east.area_m2();
        let expect = std::f64::consts::PI / 3.0
            * (east.max_ground_range_m().powi(2) - east.min_ground_range_m().powi(2));
        assert!((area - expect).abs() / expect < 1e-12);
    }

    fn arb_class(c: &Catalogue) -> impl Strategy<Value = (SystemClass, usize)> {
        let systems = c.systems().to_vec();
        let n = c.layers().len();
        (0..systems.len(), 1.0f64..=360.0, 0usize..n, 0.0f64..40.0).prop_map(
            move |(i, sector, layer, ant)| {
                let mut s = systems[i].clone();
                s.sector_deg = if sector > 355.0 { 360.0 } else { sector };
                s.antenna_height_m = ant;
                (s, layer)
            },
        )
    }

    proptest! {
        /// Covered points satisfy every envelope condition; uncovered points violate one.
        #[test]
        fn covers_iff_all_conditions(
            (class, li) in arb_class(&Catalogue::builtin()),
            facing in -360.0f64..720.0,
            pts in proptest::collection::vec((-200_000.0f64..200_000.0, -200_000.0f64..200_000.0), 64),
        ) {
            let c = Catalogue::builtin();
            let layer = c.layers()[li];
            let ti = layer.threat;
            let env = class.envelopes.get(&c.threat(ThreatId(ti.0)).id).copied();
            let fp = Footprint::from_parts(&class, env.as_ref(), [0.0, 0.0], facing, layer.altitude_m);
            for (x, y) in pts {
                let h = layer.altitude_m;
                let d = x.hypot(y);
                let cov = fp.covers([x, y]);
                let Some(e) = env else { prop_assert!(!cov); continue };
                let slant = d.hypot(h - class.antenna_height_m);
                let band = h >= e.min_alt_m && h <= e.max_alt_m;
                let horizon = class.radar_horizon_m(h);
                let bearing = x.atan2(y).to_degrees();
                let off = (bearing - facing + 540.0).rem_euclid(360.0) - 180.0;
                let in_sector = class.sector_deg >= 360.0 || off.abs() <= class.sector_deg / 2.0;
                // Points within 1e-6 relative of a boundary are rounding-ambiguous; skip them.
                let near = |a: f64, b: f64| (a - b).abs() <= 1e-6 * b.abs().max(1.0);
                if near(slant, e.min_range_m) || near(slant, e.max_range_m) || near(d, horizon)
                    || (class.sector_deg < 360.0 && (off.abs() - class.sector_deg / 2.0).abs() < 1e-6) {
                    continue;
                }
                let all = band && slant >= e.min_range_m && slant <= e.max_range_m && d <= horizon && in_sector;
                prop_assert_eq!(cov, all, "x={} y={} slant={} horizon={} off={}", x, y, slant, horizon, off);
            }
        }

        /// `row_spans` returns exactly the covered cells of a row.
        #[test]
        fn row_spans_exact(
            (class, li) in arb_class(&Catalogue::builtin()),
            facing in 0.0f64..360.0,
            cx in -30_000.0f64..30_000.0, cy in -30_000.0f64..30_000.0,
            step in 200.0f64..9_000.0,
            x0 in -60_000.0f64..0.0,
            nx in 1usize..120,
            rows in proptest::collection::vec(-200_000.0f64..200_000.0, 1..12),
        ) {
            let c = Catalogue::builtin();
            let layer = c.layers()[li];
            let env = class.envelopes.get(&c.threat(layer.threat).id).copied();
            let fp = Footprint::from_parts(&class, env.as_ref(), [cx, cy], facing, layer.altitude_m);
            let mut ys = rows.clone();
            ys.push(cy); // through the centre
            for y in ys {
                let mut got = vec![false; nx];
                let mut last_end = 0;
                let mut first = true;
                fp.row_spans(y, x0, step, nx, |a, b| {
                    assert!(a < b && b <= nx);
                    assert!(first || a > last_end, "runs must be maximal and increasing");
                    first = false;
                    last_end = b;
                    for g in &mut got[a..b] { *g = true; }
                });
                let want: Vec<bool> = (0..nx).map(|i| fp.covers([x0 + i as f64 * step, y])).collect();
                prop_assert_eq!(got, want);
            }
        }
    }

    #[test]
    fn partition_near_finds_boundary() {
        for p in 0..=20 {
            for g in [-5.0, 0.0, 3.0, 10.0, 19.0, 40.0, f64::NAN] {
                assert_eq!(partition_near(0, 20, g, |i| i < p), p.min(20));
            }
        }
        assert_eq!(partition_near(5, 9, 2.0, |i| i < 7), 7);
    }
}
