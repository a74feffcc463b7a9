//! What happens to one threat flying one route: detection, warning, intercept windows,
//! engagement opportunities and kill probability.
//!
//! # Model
//!
//! A threat flies a polyline route ([`Polyline`], local metres) at constant ground speed `v`
//! and constant height `h` above ground, from the launch point (time 0) to the impact point at
//! its end (time `T = L / v`). Against it stand sites ([`Site`]) of catalogue classes, each
//! with a sensor and a weapon (see [`crate::catalogue_v2`]).
//!
//! * **Detection.** A site's sensor sees the threat at ground distance `d` iff the slant range
//!   `√(d² + (h − ha)²)` is within its detection range, `d` is within the radar horizon, the
//!   bearing is inside its sector, and (with terrain) the line of sight is clear
//!   ([`crate::terrain::line_of_sight`]). The horizon is the smooth-earth `√(2kR·ha) + √(2kR·h)`
//!   above local ground on flat terrain, and with terrain the cap of
//!   [`horizon_cap_m`](crate::terrain::horizon_cap_m) (heights above sea level: antenna =
//!   ground + mast), the rule of [`Footprint::new_over`](crate::Footprint::new_over), so a
//!   hilltop radar sees a low flyer beyond its mast's smooth-earth horizon. These are the rules
//!   of [`crate::volume`]; for a class without a v2 sensor they are exactly its footprint.
//! * **Engagement zone.** A weapon can engage at a time when the threat is inside its kinematic
//!   envelope (altitude band, slant range `min..max` from the antenna) **and** it is tracked:
//!   by the site's own sensor, or, with **netting** (a shared air picture, engage-on-remote),
//!   by any site's sensor. Without netting the zone of a v1 class is its coverage footprint.
//! * **Intercept.** An interceptor launched at `tL` flies straight at average speed `u` and
//!   meets the threat at `tI` with `tI − tL = s(tI) / u`, `s` the slant range at `tI`. An
//!   intercept at `tI` is possible iff the threat is in the engagement zone at `tI` and
//!   `tL = tI − s(tI)/u ≥ t_cue + reaction`, `t_cue` the first time the weapon has a track
//!   (own sensor, or any netted one). The **intercept window** runs from the earliest such
//!   `tI` to the latest.
//! * **Shoot-look-shoot.** The first engagement is the earliest possible intercept; each next
//!   one is the earliest intercept whose launch is at least one reaction time after the
//!   previous intercept (kill assessment), until the window or the ready rounds
//!   (`ready_rounds / shots_per_engagement` engagements) run out. Every engagement fires
//!   `shots_per_engagement` rounds.
//! * **Kill probability** of the single threat: `1 − Π_weapons (1 − Pk)^(shots · engagements)`,
//!   independent shots.
//!
//! Exact on flat terrain: the engagement and detection sets are found per route segment by
//! solving the circle and half-plane equations in closed form; the earliest intercept is found
//! by bisection on `tL(tI)`, which is strictly increasing whenever `v < u` (the usual case);
//! when `v ≥ u` it is bracketed by sampling every 0.25 s first (an info diagnostic says so).
//! With terrain the line of sight is sampled along the route every half terrain cell and its
//! transitions refined by bisection.
//!
//! Not modelled: threat manoeuvres and changes of speed or height along a route, interceptor
//! kinematics beyond an average speed (no minimum time of flight, no energy loss), track loss
//! between first detection and launch (a track once formed is kept), reload during the
//! timeline (`reload_time_s` is unused for one threat), several targets competing for one
//! weapon (see the raid issue), and correlated kill probabilities.
//!
//! # Examples
//! ```
//! use skycover::timeline::{Defence, Polyline, timeline};
//! use skycover::{Catalogue, Site};
//! let cat = Catalogue::builtin();
//! let slm = cat.class_id("iris_t_slm")?;
//! let cm = cat.threat_id("cruise_missile")?;
//! // a cruise missile at 150 m flies 200 km straight at a site
//! let route = Polyline::new(vec![[0.0, 200_000.0], [0.0, 0.0]])?;
//! let sites = [Site::new(slm, [0.0, 0.0], 0.0)];
//! let tl = timeline(&Defence::new(&cat, &sites), cm, 150.0, 250.0, &route)?;
//! assert!(tl.first_detection_s.is_some());
//! assert!(tl.warning_time_s > 60.0);
//! assert!(tl.engagement_opportunities >= 1 && tl.kill_probability > 0.5);
//! # Ok::<(), skycover::Error>(())
//! ```

use crate::catalogue::{Catalogue, ClassId, ThreatId};
use crate::catalogue_v2::{sensor_view, weapon_of, SensorView};
use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::site::Site;
use crate::terrain::{horizon_cap_m, line_of_sight, Terrain};
use serde::Serialize;

/// Diagnostic codes emitted by timelines (the constants live in [`crate::diagnostic::codes`]).
pub mod codes {
    pub use crate::diagnostic::codes::{
        TIMELINE_SAMPLED_INTERCEPT as SAMPLED_INTERCEPT,
        TIMELINE_TERRAIN_SAMPLED as TERRAIN_SAMPLED, TIMELINE_WEAPON_DEFAULTS as WEAPON_DEFAULTS,
    };
}

/// Sorted, disjoint closed intervals `[a, b]`.
pub type Intervals = Vec<[f64; 2]>;

/// A route in the local frame: at least two points, finite, of positive length.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Polyline {
    points: Vec<[f64; 2]>,
    cum: Vec<f64>,
}

impl Polyline {
    /// A polyline through `points` (local metres). Repeated points are dropped.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (`route.points`) for fewer than two distinct points or a
    /// non-finite coordinate.
    pub fn new(points: Vec<[f64; 2]>) -> Result<Polyline> {
        let bad = |r: &str| Error::InvalidInput {
            what: "route.points".into(),
            reason: r.into(),
        };
        if points
            .iter()
            .any(|p| !p[0].is_finite() || !p[1].is_finite())
        {
            return Err(bad("a coordinate is not finite"));
        }
        let mut pts: Vec<[f64; 2]> = Vec::with_capacity(points.len());
        for p in points {
            if pts.last() != Some(&p) {
                pts.push(p);
            }
        }
        if pts.len() < 2 {
            return Err(bad("needs at least two distinct points"));
        }
        let mut cum = Vec::with_capacity(pts.len());
        cum.push(0.0);
        for w in pts.windows(2) {
            let l = (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]);
            cum.push(cum[cum.len() - 1] + l);
        }
        Ok(Polyline { points: pts, cum })
    }

    /// The vertices.
    pub fn points(&self) -> &[[f64; 2]] {
        &self.points
    }

    /// Length in metres.
    pub fn length_m(&self) -> f64 {
        self.cum[self.cum.len() - 1]
    }

    /// The point at distance `s` along the route (clamped to the ends).
    pub fn at(&self, s: f64) -> [f64; 2] {
        let s = s.clamp(0.0, self.length_m());
        let i = match self.cum.partition_point(|&c| c <= s) {
            0 => 0,
            i => (i - 1).min(self.points.len() - 2),
        };
        let l = self.cum[i + 1] - self.cum[i];
        let f = if l > 0.0 { (s - self.cum[i]) / l } else { 0.0 };
        let (a, b) = (self.points[i], self.points[i + 1]);
        [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])]
    }

    /// Segments as `(start point, unit direction, start distance, length)`.
    fn segments(&self) -> impl Iterator<Item = ([f64; 2], [f64; 2], f64, f64)> + '_ {
        self.points.windows(2).enumerate().map(|(i, w)| {
            let l = self.cum[i + 1] - self.cum[i];
            let d = [(w[1][0] - w[0][0]) / l, (w[1][1] - w[0][1]) / l];
            (w[0], d, self.cum[i], l)
        })
    }
}

/// The defence a threat meets: sites of a catalogue, terrain, and whether sensors are netted.
#[derive(Debug, Clone)]
pub struct Defence<'a> {
    /// The catalogue the sites' classes come from.
    pub catalogue: &'a Catalogue,
    /// The sites.
    pub sites: &'a [Site],
    /// Terrain for lines of sight (flat by default).
    pub terrain: Terrain,
    /// Shared air picture: any netted sensor's track cues any weapon (engage-on-remote).
    pub netting: bool,
}

impl<'a> Defence<'a> {
    /// Sites of `catalogue` on flat terrain, without netting.
    pub fn new(catalogue: &'a Catalogue, sites: &'a [Site]) -> Self {
        Defence {
            catalogue,
            sites,
            terrain: Terrain::Flat,
            netting: false,
        }
    }
    /// The same defence over `terrain`.
    pub fn with_terrain(mut self, terrain: Terrain) -> Self {
        self.terrain = terrain;
        self
    }
    /// The same defence with netting on or off.
    pub fn with_netting(mut self, netting: bool) -> Self {
        self.netting = netting;
        self
    }
}

/// One engagement: launch, intercept and rounds fired.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Engagement {
    /// Launch time, seconds after the threat's launch.
    pub launch_s: f64,
    /// Intercept time, seconds after the threat's launch.
    pub intercept_s: f64,
    /// Where the intercept happens (local metres).
    pub intercept_point: [f64; 2],
    /// Rounds fired.
    pub shots: u32,
}

/// What one site's weapon can do against the threat on this route.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeaponTimeline {
    /// Index of the site in [`Defence::sites`].
    pub site: usize,
    /// Its class.
    pub class: ClassId,
    /// First time the weapon has a track (own sensor, or any netted sensor), seconds.
    pub cue_s: Option<f64>,
    /// Times at which the threat is in the engagement zone (envelope ∩ tracked), seconds.
    pub engageable_s: Intervals,
    /// The window of kinematically possible intercept times `[first, last]`, seconds.
    pub intercept_window_s: Option<[f64; 2]>,
    /// The engagements under shoot-look-shoot.
    pub engagements: Vec<Engagement>,
    /// Nominal single-shot kill probability used.
    pub pk: f64,
    /// Kill probability from this weapon alone.
    pub kill_probability: f64,
}

/// Detection, warning, intercept windows, engagements and kill probability of one threat on
/// one route. See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timeline {
    /// The threat class.
    pub threat: ThreatId,
    /// Flight height above ground, metres.
    pub altitude_m: f64,
    /// Ground speed, m/s.
    pub speed_mps: f64,
    /// Route length, metres.
    pub length_m: f64,
    /// Time from launch to impact, seconds.
    pub time_to_impact_s: f64,
    /// Time of first detection by any sensor, seconds (`None`: never seen).
    pub first_detection_s: Option<f64>,
    /// Index of the site whose sensor sees it first.
    pub first_detection_by: Option<usize>,
    /// Times at which some sensor sees the threat, seconds.
    pub detected_s: Intervals,
    /// Time from first detection to impact, seconds (0 when never seen).
    pub warning_time_s: f64,
    /// Time from the earliest weapon cue (a track usable by a weapon that can engage this
    /// threat here: its own sensor's, or with netting any sensor's) to impact, seconds (0 when
    /// no weapon is ever cued). Netting changes this one, not [`warning_time_s`](Self::warning_time_s).
    pub cue_warning_s: f64,
    /// Per weapon that can engage this threat at this height at all.
    pub weapons: Vec<WeaponTimeline>,
    /// Total engagements over all weapons.
    pub engagement_opportunities: u32,
    /// Single-threat kill probability over all weapons.
    pub kill_probability: f64,
    /// Remarks on how the answer was obtained.
    pub diagnostics: Vec<Diagnostic>,
}

// -------------------------------------------------------------------------------------------
// interval arithmetic

fn push_merge(out: &mut Intervals, iv: [f64; 2]) {
    if iv[1] < iv[0] {
        return;
    }
    if let Some(last) = out.last_mut() {
        if iv[0] <= last[1] + 1e-9 {
            last[1] = last[1].max(iv[1]);
            return;
        }
    }
    out.push(iv);
}

/// Intersection of two interval lists.
pub fn intersect(a: &[[f64; 2]], b: &[[f64; 2]]) -> Intervals {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        let lo = a[i][0].max(b[j][0]);
        let hi = a[i][1].min(b[j][1]);
        if lo <= hi {
            push_merge(&mut out, [lo, hi]);
        }
        if a[i][1] < b[j][1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Union of two interval lists.
pub fn union(a: &[[f64; 2]], b: &[[f64; 2]]) -> Intervals {
    let mut all: Vec<[f64; 2]> = a.iter().chain(b).copied().collect();
    all.sort_by(|x, y| x[0].total_cmp(&y[0]));
    let mut out = Vec::with_capacity(all.len());
    for iv in all {
        push_merge(&mut out, iv);
    }
    out
}

/// `σ ∈ [0, len]` with `|p0 + σ·d − c|² ≤ r2` (d a unit vector).
fn disc_on_segment(p0: [f64; 2], d: [f64; 2], len: f64, c: [f64; 2], r2: f64) -> Option<[f64; 2]> {
    if r2.is_nan() || r2 < 0.0 {
        return None;
    }
    let w = [p0[0] - c[0], p0[1] - c[1]];
    let b = w[0] * d[0] + w[1] * d[1];
    let cc = w[0] * w[0] + w[1] * w[1] - r2;
    let disc = b * b - cc;
    if disc < 0.0 {
        return None;
    }
    let sq = disc.sqrt();
    let lo = (-b - sq).max(0.0);
    let hi = (-b + sq).min(len);
    (lo <= hi).then_some([lo, hi])
}

/// `σ ∈ [0, len]` with `g0 + σ·g1 ≤ 0`.
fn half_on_segment(g0: f64, g1: f64, len: f64) -> Option<[f64; 2]> {
    if g1.abs() < 1e-15 {
        return (g0 <= 0.0).then_some([0.0, len]);
    }
    let root = -g0 / g1;
    let iv = if g1 > 0.0 {
        [0.0, root.min(len)]
    } else {
        [root.max(0.0), len]
    };
    (iv[0] <= iv[1]).then_some(iv)
}

/// The grid bearings of the edges of a sector of `width` centred on the site's true facing,
/// mapped as the chords at `mid_range_m` (as [`crate::Footprint`] maps its sectors).
fn sector_edges(site: &Site, width: f64, mid_range_m: f64) -> [f64; 2] {
    let h = width / 2.0;
    [
        site.bearings
            .to_grid_chord(site.facing_deg - h, mid_range_m),
        site.bearings
            .to_grid_chord(site.facing_deg + h, mid_range_m),
    ]
}

/// The sector's range bands over ground distances `0..=r`: each band's squared-distance range
/// with the grid bearings of its edge chords. One band, or two where the footprint splits it
/// (see [`crate::volume::sector_band_split`]), so routes and footprints share their edges.
fn sector_bands(site: &Site, width: f64, r: f64) -> Vec<([f64; 2], [f64; 2])> {
    match crate::volume::sector_band_split(width, site.facing_deg, &site.bearings, 0.0, r) {
        None => vec![([0.0, r * r], sector_edges(site, width, r / 2.0))],
        Some(s) => vec![
            ([0.0, s * s], sector_edges(site, width, s / 2.0)),
            ([s * s, r * r], sector_edges(site, width, (s + r) / 2.0)),
        ],
    }
}

fn bearing_vec(deg: f64) -> [f64; 2] {
    let a = deg.to_radians();
    [a.sin(), a.cos()]
}

/// Distance intervals along `path` inside a sector of `width` facing `facing` at `c`.
fn sector_on_segment(
    p0: [f64; 2],
    d: [f64; 2],
    len: f64,
    c: [f64; 2],
    width: f64,
    edges: [f64; 2],
) -> Intervals {
    if width.is_nan() || width >= 360.0 {
        return vec![[0.0, len]];
    }
    let l = bearing_vec(edges[0]);
    let r = bearing_vec(edges[1]);
    let (dx0, dy0) = (p0[0] - c[0], p0[1] - c[1]);
    // in_left: l0*dy − l1*dx ≤ 0
    let left = half_on_segment(l[0] * dy0 - l[1] * dx0, l[0] * d[1] - l[1] * d[0], len);
    // in_right: r0*dy − r1*dx ≥ 0  <=>  −(…) ≤ 0
    let right = half_on_segment(
        -(r[0] * dy0 - r[1] * dx0),
        -(r[0] * d[1] - r[1] * d[0]),
        len,
    );
    let l: Intervals = left.into_iter().collect();
    let r: Intervals = right.into_iter().collect();
    if width <= 180.0 {
        intersect(&l, &r)
    } else {
        union(&l, &r)
    }
}

/// Along-route distance intervals where ground distance from `c` is within `[√r2_min, √r2_max]`
/// and the bearing is in the sector.
fn ring_sector_along(
    path: &Polyline,
    c: [f64; 2],
    r2_min: f64,
    r2_max: f64,
    sector: Option<(f64, [f64; 2])>,
) -> Intervals {
    let mut out = Vec::new();
    for (p0, d, s0, len) in path.segments() {
        let Some(outer) = disc_on_segment(p0, d, len, c, r2_max) else {
            continue;
        };
        let mut ring: Intervals = vec![outer];
        if r2_min > 0.0 {
            if let Some(inner) = disc_on_segment(p0, d, len, c, r2_min) {
                // remove the open inner disc (inner ⊆ outer); drop degenerate pieces, which
                // are clipping artefacts or tangencies of measure zero
                if inner[1] > inner[0] {
                    ring = [[outer[0], inner[0]], [inner[1], outer[1]]]
                        .into_iter()
                        .filter(|iv| iv[1] > iv[0])
                        .collect();
                }
            }
        }
        let ring = match sector {
            Some((w, e)) => intersect(&ring, &sector_on_segment(p0, d, len, c, w, e)),
            None => ring,
        };
        for iv in ring {
            push_merge(&mut out, [s0 + iv[0], s0 + iv[1]]);
        }
    }
    out
}

/// Keeps the parts of `ivs` (distance along the path) where `visible(s)` holds, sampling every
/// `step` metres and refining each transition by bisection.
fn mask_sampled(ivs: &[[f64; 2]], step: f64, visible: impl Fn(f64) -> bool) -> Intervals {
    let mut out = Vec::new();
    for iv in ivs {
        let n = (((iv[1] - iv[0]) / step).ceil() as usize).max(1);
        let at = |k: usize| iv[0] + (iv[1] - iv[0]) * k as f64 / n as f64;
        let mut prev_s = iv[0];
        let mut prev_v = visible(prev_s);
        let mut start = prev_v.then_some(prev_s);
        for k in 1..=n {
            let s = at(k);
            let v = visible(s);
            if v != prev_v {
                let (mut lo, mut hi) = (prev_s, s);
                for _ in 0..40 {
                    let mid = 0.5 * (lo + hi);
                    if visible(mid) == prev_v {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                if v {
                    start = Some(hi);
                } else if let Some(a) = start.take() {
                    push_merge(&mut out, [a, lo]);
                }
            }
            prev_s = s;
            prev_v = v;
        }
        if let Some(a) = start {
            push_merge(&mut out, [a, iv[1]]);
        }
    }
    out
}

// -------------------------------------------------------------------------------------------
// the sets

/// The radar-horizon cap of `view` at `site` against a target `h` above ground: the
/// smooth-earth horizon above local ground on flat terrain, and with terrain the same rule as
/// [`Footprint::new_over`](crate::Footprint::new_over) ([`horizon_cap_m`]: heights above sea
/// level, antenna = ground + mast, the lowest ground as reference), so that a hilltop radar
/// sees a low flyer beyond the smooth-earth horizon of its mast; the line of sight over the
/// terrain then masks on top.
fn sensor_horizon_m(terrain: &Terrain, site: &Site, view: &SensorView, h: f64) -> f64 {
    horizon_cap_m(
        terrain,
        site.position,
        view.antenna_height_m,
        h,
        view.refraction_k,
    )
}

/// Distance intervals along `path` in which `view` (a sensor at `site`) sees a target at `h`.
fn sensor_sees(
    path: &Polyline,
    site: &Site,
    view: &SensorView,
    h: f64,
    terrain: &Terrain,
) -> Intervals {
    let dh = h - view.antenna_height_m;
    let hz = sensor_horizon_m(terrain, site, view, h);
    let r2 = (view.range_m * view.range_m - dh * dh).min(hz * hz);
    let geo = sector_bands(site, view.sector_deg, r2.sqrt())
        .into_iter()
        .map(|(band, edges)| {
            let sector = Some((view.sector_deg, edges));
            ring_sector_along(path, site.position, band[0], band[1], sector)
        })
        .fold(Vec::new(), |acc, iv| union(&acc, &iv));
    match terrain.sample_step_m() {
        None => geo,
        Some(step) => mask_sampled(&geo, step, |s| {
            line_of_sight(
                terrain,
                site.position,
                view.antenna_height_m,
                path.at(s),
                h,
                view.refraction_k,
            )
        }),
    }
}

/// Distance intervals along `path` inside the weapon's kinematic envelope (no horizon, no
/// sector, no line of sight: those belong to the sensor).
fn kinematic(path: &Polyline, cat: &Catalogue, site: &Site, threat: ThreatId, h: f64) -> Intervals {
    let Some(env) = cat.envelope(site.class, threat) else {
        return Vec::new();
    };
    if !(h >= env.min_alt_m && h <= env.max_alt_m) {
        return Vec::new();
    }
    let ha = cat.class(site.class).antenna_height_m;
    let dh2 = (h - ha) * (h - ha);
    let r2_max = env.max_range_m * env.max_range_m - dh2;
    let r2_min = (env.min_range_m * env.min_range_m - dh2).max(0.0);
    if r2_max < 0.0 || r2_min > r2_max {
        return Vec::new();
    }
    ring_sector_along(path, site.position, r2_min, r2_max, None)
}

/// True iff the sensor `view` at `site` sees a target at local `p`, height `h` (the pointwise
/// form of the detection rule, used by [`crate::route`]).
pub(crate) fn sees_point(
    site: &Site,
    view: &SensorView,
    h: f64,
    terrain: &Terrain,
    p: [f64; 2],
) -> bool {
    let dh = h - view.antenna_height_m;
    let hz = sensor_horizon_m(terrain, site, view, h);
    let r2 = (view.range_m * view.range_m - dh * dh).min(hz * hz);
    let (dx, dy) = (p[0] - site.position[0], p[1] - site.position[1]);
    if dx * dx + dy * dy > r2 {
        return false;
    }
    if view.sector_deg < 360.0 {
        let d2 = dx * dx + dy * dy;
        let bands = sector_bands(site, view.sector_deg, r2.sqrt());
        let Some(&(_, [le, re])) = bands.iter().rev().find(|(b, _)| d2 >= b[0]) else {
            return false;
        };
        let l = bearing_vec(le);
        let r = bearing_vec(re);
        let il = l[0] * dy - l[1] * dx <= 0.0;
        let ir = r[0] * dy - r[1] * dx >= 0.0;
        let inside = if view.sector_deg <= 180.0 {
            il && ir
        } else {
            il || ir
        };
        if !inside {
            return false;
        }
    }
    terrain.is_flat()
        || line_of_sight(
            terrain,
            site.position,
            view.antenna_height_m,
            p,
            h,
            view.refraction_k,
        )
}

/// True iff local `p` at height `h` is inside the kinematic envelope of `site` against
/// `threat` (pointwise form, used by [`crate::route`]).
pub(crate) fn kinematic_point(
    cat: &Catalogue,
    site: &Site,
    threat: ThreatId,
    h: f64,
    p: [f64; 2],
) -> bool {
    let Some(env) = cat.envelope(site.class, threat) else {
        return false;
    };
    if !(h >= env.min_alt_m && h <= env.max_alt_m) {
        return false;
    }
    let ha = cat.class(site.class).antenna_height_m;
    let (dx, dy) = (p[0] - site.position[0], p[1] - site.position[1]);
    let s2 = dx * dx + dy * dy + (h - ha) * (h - ha);
    s2 <= env.max_range_m * env.max_range_m && s2 >= env.min_range_m * env.min_range_m
}

pub(crate) fn check_inputs(def: &Defence, threat: ThreatId, h: f64, v: f64) -> Result<()> {
    let bad = |what: &str, reason: String| Error::InvalidInput {
        what: what.into(),
        reason,
    };
    if threat.0 >= def.catalogue.threats().len() {
        return Err(bad(
            "timeline.threat",
            format!("{} is not in the catalogue", threat.0),
        ));
    }
    if !h.is_finite() || h < 0.0 {
        return Err(bad(
            "timeline.altitude_m",
            format!("{h} must be finite and ≥ 0"),
        ));
    }
    if !v.is_finite() || v <= 0.0 {
        return Err(bad(
            "timeline.speed_mps",
            format!("{v} must be finite and > 0"),
        ));
    }
    for (i, s) in def.sites.iter().enumerate() {
        if s.class.0 >= def.catalogue.systems().len() {
            return Err(bad(
                &format!("sites[{i}].class"),
                format!("{} is not in the catalogue", s.class.0),
            ));
        }
        if !s.position[0].is_finite() || !s.position[1].is_finite() || !s.facing_deg.is_finite() {
            return Err(bad(
                &format!("sites[{i}]"),
                "position or facing not finite".into(),
            ));
        }
    }
    Ok(())
}

/// The timeline of threat `threat` flying `path` at height `altitude_m` and ground speed
/// `speed_mps` against `defence`. See the [module docs](self) for the model.
///
/// Parameters: `defence` (sites, terrain, netting), `threat` (a threat of the catalogue),
/// `altitude_m` (height above ground, ≥ 0), `speed_mps` (> 0), `path` (launch → impact).
///
/// Returns: a [`Timeline`] (all times in seconds after launch).
///
/// Complexity: O(sites² · segments) on flat terrain (the netted track is a union over sensors);
/// with terrain add O(route length in range / half cell) line-of-sight tests per sensor.
///
/// # Errors
/// [`Error::InvalidInput`] for a threat or site class not in the catalogue, a negative or
/// non-finite height, a non-positive speed or a non-finite site.
///
/// # Examples
/// See the [module docs](self).
pub fn timeline(
    defence: &Defence,
    threat: ThreatId,
    altitude_m: f64,
    speed_mps: f64,
    path: &Polyline,
) -> Result<Timeline> {
    check_inputs(defence, threat, altitude_m, speed_mps)?;
    let cat = defence.catalogue;
    let h = altitude_m;
    let v = speed_mps;
    let total = path.length_m() / v;
    let mut diagnostics = Vec::new();
    if !defence.terrain.is_flat() {
        diagnostics.push(Diagnostic::info(
            codes::TERRAIN_SAMPLED,
            "terrain line of sight sampled along the route every half terrain cell, transitions refined by bisection",
        ));
    }
    let to_t = |ivs: Intervals| -> Intervals {
        ivs.into_iter().map(|iv| [iv[0] / v, iv[1] / v]).collect()
    };
    // what every sensor sees (times)
    let sees: Vec<Intervals> = defence
        .sites
        .iter()
        .map(|s| match sensor_view(cat, s.class, threat) {
            Some(view) => to_t(sensor_sees(path, s, &view, h, &defence.terrain)),
            None => Vec::new(),
        })
        .collect();
    let mut detected: Intervals = Vec::new();
    let mut first: Option<(f64, usize)> = None;
    for (i, iv) in sees.iter().enumerate() {
        detected = union(&detected, iv);
        if let Some(t) = iv.first().map(|iv| iv[0]) {
            if first.map_or(true, |(f, _)| t < f) {
                first = Some((t, i));
            }
        }
    }
    let netted = detected.clone();
    let thr = cat.threat(threat);
    let mut weapons = Vec::new();
    let mut defaults_noted: Vec<ClassId> = Vec::new();
    let mut sampled_noted = false;
    for (i, site) in defence.sites.iter().enumerate() {
        let kin = to_t(kinematic(path, cat, site, threat, h));
        if kin.is_empty() {
            continue;
        }
        let class = cat.class(site.class);
        let w = weapon_of(class);
        let generic = w.generic_figures([thr.id.as_str()]);
        if !generic.is_empty() && !defaults_noted.contains(&site.class) {
            defaults_noted.push(site.class);
            diagnostics.push(Diagnostic::info(
                codes::WEAPON_DEFAULTS,
                format!(
                    "class \"{}\" uses the generic default figures for {} (no figure of its own in the catalogue)",
                    class.id,
                    generic.join(", ")
                ),
            ));
        }
        let track = if defence.netting { &netted } else { &sees[i] };
        let engageable = intersect(&kin, track);
        let cue = track.first().map(|iv| iv[0]);
        let pk = w.pk_against(&thr.id);
        let u = w.interceptor_speed_mps;
        if v >= u && !sampled_noted {
            sampled_noted = true;
            diagnostics.push(Diagnostic::info(
                codes::SAMPLED_INTERCEPT,
                format!(
                    "threat speed {v} m/s ≥ interceptor speed {u} m/s of \"{}\": earliest intercepts bracketed by 0.25 s sampling",
                    class.id
                ),
            ));
        }
        let ha = class.antenna_height_m;
        let dh2 = (h - ha) * (h - ha);
        let launch_of = |t: f64| {
            let p = path.at(t * v);
            let dx = p[0] - site.position[0];
            let dy = p[1] - site.position[1];
            t - (dx * dx + dy * dy + dh2).sqrt() / u
        };
        let mut engagements = Vec::new();
        let mut window = None;
        if let Some(cue) = cue {
            let tau0 = cue + w.reaction_time_s;
            if let Some(first_i) = earliest_intercept(&engageable, tau0, &launch_of, v >= u) {
                let last = engageable
                    .iter()
                    .rev()
                    .find(|iv| launch_of(iv[1]) >= tau0)
                    .map_or(first_i, |iv| iv[1]);
                window = Some([first_i, last.max(first_i)]);
                let max_eng = w.ready_rounds / w.shots_per_engagement;
                let mut tau = tau0;
                while (engagements.len() as u32) < max_eng {
                    let Some(ti) = earliest_intercept(&engageable, tau, &launch_of, v >= u) else {
                        break;
                    };
                    engagements.push(Engagement {
                        launch_s: launch_of(ti),
                        intercept_s: ti,
                        intercept_point: path.at(ti * v),
                        shots: w.shots_per_engagement,
                    });
                    tau = ti + w.reaction_time_s;
                    if w.reaction_time_s <= 0.0 {
                        // no look time: every round in one go
                        tau = ti + 1e-6;
                    }
                }
            }
        }
        let shots: u32 = engagements.iter().map(|e| e.shots).sum();
        let kill_probability = 1.0 - (1.0 - pk).powi(shots as i32);
        weapons.push(WeaponTimeline {
            site: i,
            class: site.class,
            cue_s: cue,
            engageable_s: engageable,
            intercept_window_s: window,
            engagements,
            pk,
            kill_probability,
        });
    }
    let survive: f64 = weapons.iter().map(|w| 1.0 - w.kill_probability).product();
    let first_cue = weapons
        .iter()
        .filter(|w| !w.engageable_s.is_empty())
        .filter_map(|w| w.cue_s)
        .fold(f64::INFINITY, f64::min);
    let engagement_opportunities = weapons.iter().map(|w| w.engagements.len() as u32).sum();
    Ok(Timeline {
        threat,
        altitude_m: h,
        speed_mps: v,
        length_m: path.length_m(),
        time_to_impact_s: total,
        first_detection_s: first.map(|f| f.0),
        first_detection_by: first.map(|f| f.1),
        warning_time_s: first.map_or(0.0, |f| (total - f.0).max(0.0)),
        cue_warning_s: if first_cue.is_finite() {
            (total - first_cue).max(0.0)
        } else {
            0.0
        },
        detected_s: detected,
        weapons,
        engagement_opportunities,
        kill_probability: 1.0 - survive,
        diagnostics,
    })
}

/// The earliest `t` in `set` with `launch_of(t) ≥ tau`. `launch_of` is strictly increasing
/// when the threat is slower than the interceptor; otherwise (`sampled`) each interval is
/// scanned every 0.25 s first.
fn earliest_intercept(
    set: &[[f64; 2]],
    tau: f64,
    launch_of: &impl Fn(f64) -> f64,
    sampled: bool,
) -> Option<f64> {
    for iv in set {
        let (a, b) = (iv[0], iv[1]);
        if launch_of(a) >= tau {
            return Some(a);
        }
        // bracket [lo, hi] with f(lo) < tau ≤ f(hi)
        let bracket = if sampled {
            let n = (((b - a) / 0.25).ceil() as usize).clamp(1, 1_000_000);
            let mut lo = a;
            let mut found = None;
            for k in 1..=n {
                let t = a + (b - a) * k as f64 / n as f64;
                if launch_of(t) >= tau {
                    found = Some((lo, t));
                    break;
                }
                lo = t;
            }
            found
        } else {
            (launch_of(b) >= tau).then_some((a, b))
        };
        let Some((mut lo, mut hi)) = bracket else {
            continue;
        };
        for _ in 0..80 {
            let mid = 0.5 * (lo + hi);
            if launch_of(mid) >= tau {
                hi = mid;
            } else {
                lo = mid;
            }
            if hi - lo < 1e-9 {
                break;
            }
        }
        return Some(hi);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{radar_horizon_m, Envelope, Tier};
    use crate::catalogue_v2::Weapon;
    use crate::volume::Footprint;
    use std::collections::BTreeMap;

    /// A one-class, one-threat catalogue with a round envelope and chosen weapon figures.
    fn cat(
        env: Envelope,
        antenna: f64,
        k: f64,
        sector: f64,
        weapon: Weapon,
        sensor_range: Option<f64>,
    ) -> Catalogue {
        let json = serde_json::json!({
            "threats": [{"id": "t", "weight": 1.0, "altitudes_m": [100.0]}],
            "systems": [{
                "id": "s", "tier": "medium", "antenna_height_m": antenna, "sector_deg": sector,
                "refraction_k": k, "envelopes": {"t": env},
                "weapon": weapon,
                "sensor": sensor_range.map(|r| serde_json::json!({"detection_range_m": {"t": r}})),
            }]
        });
        let mut v = json;
        if sensor_range.is_none() {
            v["systems"][0].as_object_mut().unwrap().remove("sensor");
        }
        Catalogue::from_json_str(&v.to_string()).unwrap()
    }

    fn weapon(reaction: f64, u: f64, rounds: u32, shots: u32, pk: f64) -> Weapon {
        let mut m = BTreeMap::new();
        m.insert("t".to_string(), pk);
        Weapon {
            reaction_time_s: reaction,
            interceptor_speed_mps: u,
            ready_rounds: rounds,
            reload_time_s: 0.0,
            shots_per_engagement: shots,
            pk: m,
            interceptor_cost: 0.0,
        }
    }

    fn env(min_r: f64, max_r: f64) -> Envelope {
        Envelope {
            min_range_m: min_r,
            max_range_m: max_r,
            min_alt_m: 0.0,
            max_alt_m: 30_000.0,
        }
    }

    /// Huge k: the horizon never binds, so the closed forms are pure circles.
    const NO_HORIZON: f64 = 1e6;

    #[test]
    fn straight_pass_through_one_circle_closed_form() {
        // antenna and target at the same height: slant = ground distance
        let r = 20_000.0;
        let c = cat(
            env(0.0, r),
            100.0,
            NO_HORIZON,
            360.0,
            weapon(5.0, 800.0, 8, 1, 0.6),
            None,
        );
        let b = 12_000.0; // miss distance
        let v = 200.0;
        let route = Polyline::new(vec![[-100_000.0, b], [100_000.0, b]]).unwrap();
        let sites = [Site::new(ClassId(0), [0.0, 0.0], 0.0)];
        let tl = timeline(&Defence::new(&c, &sites), ThreatId(0), 100.0, v, &route).unwrap();
        let half = (r * r - b * b).sqrt(); // 16 km
        let t_in = (100_000.0 - half) / v;
        let t_out = (100_000.0 + half) / v;
        assert!((tl.first_detection_s.unwrap() - t_in).abs() < 1e-6);
        assert!((tl.warning_time_s - (1_000.0 - t_in)).abs() < 1e-6);
        let w = &tl.weapons[0];
        assert_eq!(w.engageable_s.len(), 1);
        assert!((w.engageable_s[0][0] - t_in).abs() < 1e-6);
        assert!((w.engageable_s[0][1] - t_out).abs() < 1e-6);
        // first intercept: launch at t_in + 5, meet where |p(t)| = u (t − t_L)
        let tl0 = t_in + 5.0;
        let u = 800.0;
        // solve (x0 + v t)² + b² = u² (t − tl0)², x0 = −100 km
        let x0 = -100_000.0;
        let (qa, qb, qc) = (
            v * v - u * u,
            2.0 * (x0 * v + u * u * tl0),
            x0 * x0 + b * b - u * u * tl0 * tl0,
        );
        let disc = qb * qb - 4.0 * qa * qc;
        let r1 = (-qb + disc.sqrt()) / (2.0 * qa);
        let r2 = (-qb - disc.sqrt()) / (2.0 * qa);
        let ti = [r1, r2]
            .into_iter()
            .filter(|&t| t >= tl0)
            .fold(f64::INFINITY, f64::min);
        let e0 = w.engagements[0];
        assert!(
            (e0.intercept_s - ti).abs() < 1e-6,
            "{} vs {ti}",
            e0.intercept_s
        );
        assert!((e0.launch_s - tl0).abs() < 1e-6);
        // the last intercept must still be inside the circle and launched after the previous
        for pair in w.engagements.windows(2) {
            assert!(pair[1].launch_s >= pair[0].intercept_s + 5.0 - 1e-6);
        }
        let n = w.engagements.len() as i32;
        assert!(n >= 2);
        assert!((tl.kill_probability - (1.0 - 0.4f64.powi(n))).abs() < 1e-12);
    }

    #[test]
    fn head_on_closed_form_recurrence() {
        // threat flies straight at the site from 100 km; min range 2 km, max 30 km
        let (d, v, u, react) = (100_000.0, 250.0, 1_000.0, 8.0);
        let c = cat(
            env(2_000.0, 30_000.0),
            50.0,
            NO_HORIZON,
            360.0,
            weapon(react, u, 6, 2, 0.5),
            Some(60_000.0),
        );
        let route = Polyline::new(vec![[0.0, d], [0.0, 0.0]]).unwrap();
        let sites = [Site::new(ClassId(0), [0.0, 0.0], 0.0)];
        let tl = timeline(&Defence::new(&c, &sites), ThreatId(0), 50.0, v, &route).unwrap();
        // detection at 60 km
        let t_det = (d - 60_000.0) / v;
        assert!((tl.first_detection_s.unwrap() - t_det).abs() < 1e-9);
        assert!((tl.warning_time_s - 60_000.0 / v).abs() < 1e-9);
        // closed form: with launch at tL the meeting is at tI = (d + u tL) / (u + v),
        // at range d − v tI, valid while range ≥ 2 km; first launch not before the 30 km
        // entry minus the fly-out: tI ≥ (d − 30 km)/v.
        let mut expected = Vec::new();
        let mut tau = t_det + react;
        loop {
            if expected.len() == 3 {
                break; // 6 rounds / 2 shots
            }
            let t_entry = (d - 30_000.0) / v;
            let ti = ((d + u * tau) / (u + v)).max(t_entry);
            if d - v * ti < 2_000.0 {
                break;
            }
            expected.push(ti);
            tau = ti + react;
        }
        let got: Vec<f64> = tl.weapons[0]
            .engagements
            .iter()
            .map(|e| e.intercept_s)
            .collect();
        assert_eq!(got.len(), expected.len(), "{got:?} vs {expected:?}");
        for (g, e) in got.iter().zip(&expected) {
            assert!((g - e).abs() < 1e-6, "{g} vs {e}");
        }
        let shots = 2 * expected.len() as i32;
        assert!((tl.kill_probability - (1.0 - 0.5f64.powi(shots))).abs() < 1e-12);
    }

    /// The own-sensor predicate as a footprint: the weapon's range and the radar's horizon
    /// and sector, without minimum range or altitude band (a radar sees inside both).
    fn sensor_fp(c: &Catalogue, s: &Site, layer: &crate::catalogue::Layer) -> Footprint {
        let class = c.class(s.class);
        let view = sensor_view(c, s.class, layer.threat).unwrap();
        let e = Envelope {
            min_range_m: 0.0,
            max_range_m: view.range_m,
            min_alt_m: 0.0,
            max_alt_m: f64::MAX,
        };
        Footprint::from_parts(class, Some(&e), s.position, s.facing_deg, layer.altitude_m)
    }

    /// Brute force: step time by `dt`, test every instant with the coverage predicate
    /// ([`Footprint::covers`]) and the direct launch-time formula.
    fn brute(
        c: &Catalogue,
        sites: &[Site],
        h: f64,
        v: f64,
        route: &Polyline,
        dt: f64,
    ) -> (Option<f64>, Vec<Vec<f64>>) {
        let layer = crate::catalogue::Layer {
            index: 0,
            threat: ThreatId(0),
            altitude_m: h,
        };
        let fps: Vec<Footprint> = sites.iter().map(|s| Footprint::new(c, s, &layer)).collect();
        let total = route.length_m() / v;
        let n = (total / dt).ceil() as usize;
        let mut first = None;
        for k in 0..=n {
            let t = (k as f64 * dt).min(total);
            if fps.iter().any(|f| f.covers(route.at(t * v))) {
                first = Some(t);
                break;
            }
        }
        let mut per = Vec::new();
        for (s, f) in sites.iter().zip(&fps) {
            let w = weapon_of(c.class(s.class));
            let ha = c.class(s.class).antenna_height_m;
            let launch = |t: f64| {
                let p = route.at(t * v);
                let g2 = (p[0] - s.position[0]).powi(2) + (p[1] - s.position[1]).powi(2);
                t - (g2 + (h - ha).powi(2)).sqrt() / w.interceptor_speed_mps
            };
            let sf = sensor_fp(c, s, &layer);
            let cue = (0..=n)
                .map(|k| (k as f64 * dt).min(total))
                .find(|&t| sf.covers(route.at(t * v)));
            let mut out = Vec::new();
            if let Some(cue) = cue {
                let mut tau = cue + w.reaction_time_s;
                for k in 0..=n {
                    if out.len() as u32 >= w.ready_rounds / w.shots_per_engagement {
                        break;
                    }
                    let t = (k as f64 * dt).min(total);
                    if f.covers(route.at(t * v)) && launch(t) >= tau {
                        out.push(t);
                        tau = t + w.reaction_time_s;
                    }
                }
            }
            per.push(out);
        }
        (first, per)
    }

    #[test]
    fn agrees_with_time_stepped_reference_on_builtin_classes() {
        // v1 abstract classes (sensor = weapon radar): fast path vs brute force with the
        // coverage predicate, on a bent route past sector and all-round sites
        let c = Catalogue::builtin();
        let ids = ["patriot_class", "medium_range", "counter_uas"];
        let mut sites = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let ci = c.class_id(id).unwrap();
            sites.push(Site::new(
                ci,
                [i as f64 * 9_000.0 - 9_000.0, 3_000.0 * i as f64],
                20.0 + 40.0 * i as f64,
            ));
        }
        let route = Polyline::new(vec![
            [60_000.0, 90_000.0],
            [20_000.0, 30_000.0],
            [-3_000.0, 4_000.0],
            [500.0, -500.0],
        ])
        .unwrap();
        for (threat, h, v) in [
            ("cruise_missile", 150.0, 250.0),
            ("drone", 500.0, 51.0),
            ("aircraft", 3_000.0, 250.0),
        ] {
            let t = c.threat_id(threat).unwrap();
            let tl = timeline(&Defence::new(&c, &sites), t, h, v, &route).unwrap();
            // reference on a catalogue whose threat 0 is this threat: rebuild the layer inline
            let layer_threat = t;
            let dt = 0.01;
            let fps: Vec<Footprint> = sites
                .iter()
                .map(|s| {
                    Footprint::new(
                        &c,
                        s,
                        &crate::catalogue::Layer {
                            index: 0,
                            threat: layer_threat,
                            altitude_m: h,
                        },
                    )
                })
                .collect();
            let total = route.length_m() / v;
            let n = (total / dt).ceil() as usize;
            let first = (0..=n)
                .map(|k| (k as f64 * dt).min(total))
                .find(|&tt| fps.iter().any(|f| f.covers(route.at(tt * v))));
            match (first, tl.first_detection_s) {
                (Some(a), Some(b)) => assert!((a - b).abs() <= dt + 1e-6, "{threat}: {a} vs {b}"),
                (None, None) => {}
                other => panic!("{threat}: {other:?}"),
            }
            for w in &tl.weapons {
                let f = &fps[w.site];
                let s = &sites[w.site];
                let wp = weapon_of(c.class(s.class));
                let ha = c.class(s.class).antenna_height_m;
                let launch = |tt: f64| {
                    let p = route.at(tt * v);
                    let g2 = (p[0] - s.position[0]).powi(2) + (p[1] - s.position[1]).powi(2);
                    tt - (g2 + (h - ha).powi(2)).sqrt() / wp.interceptor_speed_mps
                };
                let sf = sensor_fp(
                    &c,
                    s,
                    &crate::catalogue::Layer {
                        index: 0,
                        threat: layer_threat,
                        altitude_m: h,
                    },
                );
                let cue = (0..=n)
                    .map(|k| (k as f64 * dt).min(total))
                    .find(|&tt| sf.covers(route.at(tt * v)));
                let mut expect = Vec::new();
                if let Some(cue) = cue {
                    let mut tau = cue + wp.reaction_time_s;
                    for k in 0..=n {
                        if expect.len() as u32 >= wp.ready_rounds / wp.shots_per_engagement {
                            break;
                        }
                        let tt = (k as f64 * dt).min(total);
                        if f.covers(route.at(tt * v)) && launch(tt) >= tau {
                            expect.push(tt);
                            tau = tt + wp.reaction_time_s;
                        }
                    }
                }
                let got: Vec<f64> = w.engagements.iter().map(|e| e.intercept_s).collect();
                assert_eq!(
                    got.len(),
                    expect.len(),
                    "{threat} site {}: {got:?} vs {expect:?}",
                    w.site
                );
                for (g, e) in got.iter().zip(&expect) {
                    // each step of the recurrence can drift by one time step
                    assert!(
                        (g - e).abs() <= 2.0 * dt * (got.len() as f64) + 1e-6,
                        "{threat}: {g} vs {e}"
                    );
                }
            }
        }
        let _ = brute; // the generic helper is exercised below
    }

    #[test]
    fn brute_force_matches_on_random_routes() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
        let c = cat(
            env(1_500.0, 25_000.0),
            10.0,
            4.0 / 3.0,
            140.0,
            weapon(7.0, 900.0, 5, 1, 0.7),
            None,
        );
        for _ in 0..12 {
            let sites: Vec<Site> = (0..3)
                .map(|_| {
                    Site::new(
                        ClassId(0),
                        [
                            rng.random_range(-20_000.0..20_000.0),
                            rng.random_range(-20_000.0..20_000.0),
                        ],
                        rng.random_range(0.0..360.0),
                    )
                })
                .collect();
            let pts: Vec<[f64; 2]> = (0..4)
                .map(|_| {
                    [
                        rng.random_range(-60_000.0..60_000.0),
                        rng.random_range(-60_000.0..60_000.0),
                    ]
                })
                .collect();
            let route = Polyline::new(pts).unwrap();
            let (h, v) = (300.0, 220.0);
            let tl = timeline(&Defence::new(&c, &sites), ThreatId(0), h, v, &route).unwrap();
            let dt = 0.02;
            let (first, per) = brute(&c, &sites, h, v, &route, dt);
            match (first, tl.first_detection_s) {
                (Some(a), Some(b)) => assert!((a - b).abs() <= dt + 1e-6, "{a} vs {b}"),
                (None, None) => {}
                other => panic!("{other:?}"),
            }
            for w in &tl.weapons {
                let got: Vec<f64> = w.engagements.iter().map(|e| e.intercept_s).collect();
                let exp = &per[w.site];
                assert_eq!(got.len(), exp.len(), "{got:?} vs {exp:?}");
                for (g, e) in got.iter().zip(exp) {
                    assert!(
                        (g - e).abs() <= 2.0 * dt * got.len() as f64 + 1e-6,
                        "{g} vs {e}"
                    );
                }
            }
        }
    }

    #[test]
    fn netting_engages_below_own_horizon() {
        // weapon reaches 40 km but its own low radar (2 m) sees a 30 m target only ~28 km;
        // a netted tall sensor (sensor-only class: no envelopes would be invalid, so it is a
        // second site of the same class on a 100 m mast) 20 km ahead tracks it earlier
        let json = serde_json::json!({
            "threats": [{"id": "t", "weight": 1.0, "altitudes_m": [30.0]}],
            "systems": [
                {"id": "low", "tier": "medium", "antenna_height_m": 2.0, "sector_deg": 360.0,
                 "envelopes": {"t": env(0.0, 40_000.0)}},
                {"id": "mast", "tier": "medium", "antenna_height_m": 100.0, "sector_deg": 360.0,
                 "envelopes": {"t": env(0.0, 1.0)},
                 "sensor": {"detection_range_m": {"t": 80_000.0}}}
            ]
        });
        let c = Catalogue::from_json_str(&json.to_string()).unwrap();
        let sites = [
            Site::new(ClassId(0), [0.0, 0.0], 0.0),
            Site::new(ClassId(1), [0.0, 20_000.0], 0.0),
        ];
        let route = Polyline::new(vec![[0.0, 150_000.0], [0.0, 0.0]]).unwrap();
        let own = timeline(&Defence::new(&c, &sites), ThreatId(0), 30.0, 250.0, &route).unwrap();
        let net = timeline(
            &Defence::new(&c, &sites).with_netting(true),
            ThreatId(0),
            30.0,
            250.0,
            &route,
        )
        .unwrap();
        let w_own = own.weapons.iter().find(|w| w.site == 0).unwrap();
        let w_net = net.weapons.iter().find(|w| w.site == 0).unwrap();
        let hz = radar_horizon_m(2.0, 30.0, 4.0 / 3.0);
        let hz_slant = (hz * hz + 28.0f64.powi(2)).sqrt();
        assert!(hz_slant < 40_000.0);
        // own: engageable only from the horizon in; netted: from the 40 km envelope edge
        assert!((w_own.engageable_s[0][0] - (150_000.0 - hz) / 250.0).abs() < 1e-6);
        let r40 = (40_000.0f64.powi(2) - 28.0f64.powi(2)).sqrt();
        assert!((w_net.engageable_s[0][0] - (150_000.0 - r40) / 250.0).abs() < 1e-6);
        assert!(w_net.engagements.len() >= w_own.engagements.len());
        assert!(net.kill_probability >= own.kill_probability);
        // detection and warning do not depend on netting
        assert_eq!(own.first_detection_s, net.first_detection_s);
        let _ = Tier::Medium;
    }

    #[test]
    fn hilltop_radar_sees_a_low_flyer_beyond_the_smooth_earth_cap() {
        use crate::demand::Grid;
        use crate::terrain::synth;
        // a 10 m mast at the edge of a 600 m plateau (ground falls to 0 m westwards over
        // 500 m); a 30 m flyer comes from the west over flat low ground
        let extent =
            Grid::covering([-120_000.0, -3_000.0, 5_000.0, 3_000.0], 250.0, 1 << 22).unwrap();
        let t =
            Terrain::from_local_dem(&synth::plateau(&extent, 0.0, 600.0, 500.0).unwrap()).unwrap();
        let json = serde_json::json!({
            "threats": [{"id": "t", "weight": 1.0, "altitudes_m": [30.0]}],
            "systems": [
                {"id": "r", "tier": "medium", "antenna_height_m": 10.0, "sector_deg": 360.0,
                 "envelopes": {"t": env(0.0, 150_000.0)}}
            ]
        });
        let c = Catalogue::from_json_str(&json.to_string()).unwrap();
        let sites = [Site::new(ClassId(0), [0.0, 0.0], 0.0)];
        let route = Polyline::new(vec![[-118_000.0, 0.0], [0.0, 0.0]]).unwrap();
        let tl = timeline(
            &Defence::new(&c, &sites).with_terrain(t.clone()),
            ThreatId(0),
            30.0,
            250.0,
            &route,
        )
        .unwrap();
        let smooth = radar_horizon_m(10.0, 30.0, 4.0 / 3.0); // from local ground: ~35.6 km
        let seen_at = 118_000.0 - tl.first_detection_s.unwrap() * 250.0; // ground distance
        assert!(
            seen_at > smooth + 20_000.0,
            "seen at {seen_at} m, smooth cap {smooth} m"
        );
        // the terrain cap (ground + mast above sea level) bounds it
        let cap = horizon_cap_m(&t, sites[0].position, 10.0, 30.0, 4.0 / 3.0);
        assert!(seen_at <= cap + 1.0, "seen at {seen_at} m, cap {cap} m");
        // on flat terrain the cap is the smooth-earth one
        let flat = timeline(&Defence::new(&c, &sites), ThreatId(0), 30.0, 250.0, &route).unwrap();
        let flat_at = 118_000.0 - flat.first_detection_s.unwrap() * 250.0;
        assert!((flat_at - smooth).abs() < 1e-3, "{flat_at} vs {smooth}");
    }

    #[test]
    fn terrain_hides_a_low_threat_behind_a_hill() {
        use crate::demand::Grid;
        use crate::terrain::synth;
        let extent =
            Grid::covering([-30_000.0, -30_000.0, 30_000.0, 30_000.0], 100.0, 1 << 22).unwrap();
        let hill = Terrain::from_local_dem(
            &synth::cone(&extent, [0.0, 10_000.0], 400.0, 3_000.0).unwrap(),
        )
        .unwrap();
        let c = cat(
            env(0.0, 25_000.0),
            10.0,
            4.0 / 3.0,
            360.0,
            weapon(5.0, 900.0, 4, 1, 0.7),
            None,
        );
        let sites = [Site::new(ClassId(0), [0.0, 0.0], 0.0)];
        let route = Polyline::new(vec![[0.0, 29_000.0], [0.0, 0.0]]).unwrap();
        let flat = timeline(&Defence::new(&c, &sites), ThreatId(0), 50.0, 200.0, &route).unwrap();
        let hilly = timeline(
            &Defence::new(&c, &sites).with_terrain(hill.clone()),
            ThreatId(0),
            50.0,
            200.0,
            &route,
        )
        .unwrap();
        assert!(hilly.first_detection_s.unwrap() > flat.first_detection_s.unwrap() + 10.0);
        // every detected instant really has a line of sight (check midpoints)
        for iv in &hilly.detected_s {
            let t = 0.5 * (iv[0] + iv[1]);
            assert!(line_of_sight(
                &hill,
                [0.0, 0.0],
                10.0,
                route.at(t * 200.0),
                50.0,
                4.0 / 3.0
            ));
        }
        assert!(hilly
            .diagnostics
            .iter()
            .any(|d| d.code == codes::TERRAIN_SAMPLED));
    }

    #[test]
    fn bad_inputs_are_typed() {
        let c = Catalogue::builtin();
        let route = Polyline::new(vec![[0.0, 0.0], [1.0, 0.0]]).unwrap();
        let d = Defence::new(&c, &[]);
        for (h, v) in [
            (-1.0, 100.0),
            (f64::NAN, 100.0),
            (10.0, 0.0),
            (10.0, f64::INFINITY),
        ] {
            assert!(matches!(
                timeline(&d, ThreatId(0), h, v, &route),
                Err(Error::InvalidInput { .. })
            ));
        }
        assert!(Polyline::new(vec![[0.0, 0.0], [0.0, 0.0]]).is_err());
        assert!(Polyline::new(vec![[0.0, f64::NAN], [1.0, 0.0]]).is_err());
        let sites = [Site::new(ClassId(99), [0.0, 0.0], 0.0)];
        assert!(timeline(&Defence::new(&c, &sites), ThreatId(0), 10.0, 10.0, &route).is_err());
    }

    #[test]
    fn sector_edges_follow_true_bearings_far_off_centre() {
        // sector radars 300 km off-centre at 70° N, where grid and true bearings differ by
        // degrees: along rays from near the site to the edge of its range, the seen edge
        // (found by bisection on true bearing) stays within 0.006° of the true edge geodesic,
        // as the footprint's split bands do (one chord pair at mid-range strays 0.011°)
        use geographiclib_rs::{DirectGeodesic, Geodesic};
        let c = Catalogue::builtin();
        let frame = crate::frame::LocalFrame::new(25.0, 70.0).unwrap();
        let class = c.class_id("patriot_class").unwrap();
        let threat = c.threat_id("aircraft").unwrap();
        let view = sensor_view(&c, class, threat).unwrap();
        let g = Geodesic::wgs84();
        let h = 2_000.0;
        let mut worst: f64 = 0.0;
        for (pos, facing) in [
            ([300_000.0, 0.0], 40.0),
            ([-250_000.0, 150_000.0], 290.0),
            ([0.0, -300_000.0], 120.0),
        ] {
            let site = Site::new(class, pos, facing).in_frame(&frame);
            let (lon, lat) = frame.to_lonlat(pos[0], pos[1]);
            let dh = h - view.antenna_height_m;
            let r = (view.range_m * view.range_m - dh * dh).sqrt();
            let r = r.min(sensor_horizon_m(&Terrain::Flat, &site, &view, h));
            let seen = |az: f64, d: f64| {
                let (la, lo): (f64, f64) = g.direct(lat, lon, az, d);
                sees_point(
                    &site,
                    &view,
                    h,
                    &Terrain::Flat,
                    frame.to_local(lo, la).unwrap(),
                )
            };
            for k in 1..20 {
                let d = r * k as f64 / 20.0;
                for edge in [-1.0, 1.0] {
                    let true_edge = facing + edge * view.sector_deg / 2.0;
                    // inside at −0.05° (inward), outside at +0.05°: bisect the crossing
                    let (mut inside, mut outside) = (-0.05, 0.05);
                    assert!(
                        seen(true_edge + edge * inside, d) && !seen(true_edge + edge * outside, d)
                    );
                    for _ in 0..30 {
                        let mid = (inside + outside) / 2.0;
                        if seen(true_edge + edge * mid, d) {
                            inside = mid;
                        } else {
                            outside = mid;
                        }
                    }
                    worst = worst.max(inside.abs());
                }
            }
        }
        assert!(worst <= 0.006, "worst edge error {worst}°");
    }
}
