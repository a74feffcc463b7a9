//! Candidate sites of a scenario, their spacing conflicts and mutual-support rules.
//!
//! For every system class with inventory, in class order:
//!
//! 1. a square grid at the class's candidate spacing
//!    ([`Scenario::candidate_spacing_m`]) over the candidate areas (the deployment zones when
//!    the scenario has no candidate area): every grid point inside an area (scanline fill);
//! 2. then the explicit candidate points open to the class, and the scenario's non-fixed
//!    existing sites of the class (at their own facing);
//! 3. minus points inside an exclusion area, closer than `keep_out_m` to a contact line, or
//!    closer to a fixed site than the spacing rules allow;
//! 4. each point once per facing: sector radars get the threat axis (north when unset) and
//!    every `extra_facings_deg`; all-round radars the threat axis only. Facings are true
//!    bearings, mapped to the local frame at each candidate's position
//!    ([`crate::bearing::BearingMap`]).
//!
//! Spacing: two sites of one class must be at least `max(class.min_spacing_m,
//! min_site_spacing_m)` apart, two sites of different classes `min_site_spacing_m` (strictly
//! closer is a conflict). Mutual support: a protected-class site must be covered, on every
//! layer of the threat, by `min_depth` sites of the supporting class (fixed ones count).

use super::objective::SupportRule;
use crate::bearing::BearingMap;
use crate::catalogue::{Catalogue, ClassId, Layer};
use crate::demand::{scan_polygon, Grid};
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::site::Site;
use crate::volume::Footprint;
use geo::{Contains, Distance, Euclidean, MultiPolygon, Point};
use rstar::primitives::GeomWithData;
use rstar::{RTree, AABB};
use serde::Serialize;

/// Where a candidate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CandidateOrigin {
    /// A point of the candidate grid.
    Grid,
    /// Explicit candidate point `n` of the scenario.
    Point(usize),
    /// Non-fixed existing site `n` of the scenario.
    ExistingSite(usize),
}

/// A candidate site: where one system of a class may be placed, facing which way.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The site it would be (class, position, facing; not fixed).
    pub site: Site,
    /// Where it comes from.
    pub origin: CandidateOrigin,
}

/// Normalises a bearing to [0, 360).
fn norm_deg(d: f64) -> f64 {
    let r = d.rem_euclid(360.0);
    if r >= 360.0 {
        0.0
    } else {
        r
    }
}

/// The candidate facings of a class: the threat axis, plus the extra facings for sector radars.
pub fn facings(scenario: &Scenario, class: ClassId) -> Vec<f64> {
    let axis = norm_deg(scenario.settings().threat_axis_deg.unwrap_or(0.0));
    let mut out = vec![axis];
    if !scenario.catalogue().class(class).is_all_round() {
        for &f in &scenario.settings().extra_facings_deg {
            let f = norm_deg(f);
            if !out.iter().any(|&g| (g - f).abs() < 1e-9) {
                out.push(f);
            }
        }
    }
    out
}

/// Minimum distance between a site of class `a` and one of class `b`.
pub fn required_spacing_m(scenario: &Scenario, a: ClassId, b: ClassId) -> f64 {
    let any = scenario.settings().min_site_spacing_m;
    if a == b {
        scenario.catalogue().class(a).min_spacing_m.max(any)
    } else {
        any
    }
}

/// The areas candidates are drawn from: the candidate areas, or the zones when there are none.
fn areas(scenario: &Scenario) -> Vec<&MultiPolygon<f64>> {
    if scenario.candidate_areas().is_empty() {
        scenario.zones().iter().map(|z| &z.local).collect()
    } else {
        scenario
            .candidate_areas()
            .iter()
            .map(|a| &a.local)
            .collect()
    }
}

/// Which rule removed a candidate position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    Exclusion,
    KeepOut,
    FixedSpacing,
}

/// Per class: how many candidate positions were considered and how many each rule removed.
/// Filled by [`scenario_candidates_with_counts`]; the planner quotes it when inventory stays
/// unplaced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RuleCounts {
    /// The class.
    pub class: Option<ClassId>,
    /// Positions considered (grid points inside the candidate areas, explicit points, non-fixed
    /// existing sites).
    pub considered: u64,
    /// Positions inside an exclusion area.
    pub exclusion: u64,
    /// Positions within `keep_out_m` of a contact line.
    pub keep_out: u64,
    /// Positions closer to a fixed site than the spacing rules allow.
    pub fixed_spacing: u64,
    /// Candidates kept (positions × facings).
    pub candidates: u64,
}

/// The first rule that forbids a site of `class` at `p`, if any.
fn rejection(scenario: &Scenario, fixed: &[Site], class: ClassId, p: [f64; 2]) -> Option<Rule> {
    let pt = Point::new(p[0], p[1]);
    if scenario.exclusions().iter().any(|e| e.local.contains(&pt)) {
        return Some(Rule::Exclusion);
    }
    for line in scenario.contact_lines() {
        if line.keep_out_m > 0.0 && Euclidean.distance(&pt, &line.local) < line.keep_out_m {
            return Some(Rule::KeepOut);
        }
    }
    let spaced = fixed.iter().all(|f| {
        let d = required_spacing_m(scenario, class, f.class);
        let (dx, dy) = (f.position[0] - p[0], f.position[1] - p[1]);
        dx * dx + dy * dy >= d * d
    });
    (!spaced).then_some(Rule::FixedSpacing)
}

/// Counts a position in `counts` and tells whether a site of `class` may stand there: outside
/// exclusions, the keep-out band and the spacing of fixed sites.
fn allowed_counted(
    scenario: &Scenario,
    fixed: &[Site],
    class: ClassId,
    p: [f64; 2],
    counts: &mut RuleCounts,
) -> bool {
    counts.considered += 1;
    match rejection(scenario, fixed, class, p) {
        None => true,
        Some(Rule::Exclusion) => {
            counts.exclusion += 1;
            false
        }
        Some(Rule::KeepOut) => {
            counts.keep_out += 1;
            false
        }
        Some(Rule::FixedSpacing) => {
            counts.fixed_spacing += 1;
            false
        }
    }
}

/// The scenario's candidates, in a deterministic order (class, then grid rows, explicit
/// points, existing sites; facings innermost). See the [module docs](self).
///
/// # Errors
/// [`Error::ResourceLimit`] when there would be more than `limits.max_candidates` candidates
/// (estimated from the areas before generating, then counted exactly).
pub fn scenario_candidates(scenario: &Scenario) -> Result<Vec<Candidate>> {
    scenario_candidates_with_counts(scenario).map(|(c, _)| c)
}

/// [`scenario_candidates`] plus, per class with inventory (in class order), how many
/// positions each rule removed ([`RuleCounts`]).
///
/// # Errors
/// As [`scenario_candidates`].
pub fn scenario_candidates_with_counts(
    scenario: &Scenario,
) -> Result<(Vec<Candidate>, Vec<RuleCounts>)> {
    let limit = scenario
        .settings()
        .limits
        .max_candidates
        .min(crate::validate::MAX_CANDIDATES_CEILING);
    for item in scenario.inventory() {
        scenario
            .catalogue()
            .try_class(item.class, "inventory class")?;
    }
    let fixed: Vec<Site> = scenario
        .sites()
        .iter()
        .filter(|s| s.fixed)
        .cloned()
        .collect();
    let areas = areas(scenario);
    let mut bbox = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    let mut area_m2 = 0.0;
    for mp in &areas {
        area_m2 += geo::Area::unsigned_area(*mp);
        for pg in &mp.0 {
            for c in pg.exterior().coords() {
                bbox[0] = bbox[0].min(c.x);
                bbox[1] = bbox[1].min(c.y);
                bbox[2] = bbox[2].max(c.x);
                bbox[3] = bbox[3].max(c.y);
            }
        }
    }
    let classes: Vec<ClassId> = scenario
        .inventory()
        .iter()
        .filter(|i| i.count > 0)
        .map(|i| i.class)
        .collect();
    // estimate before generating
    let estimate: f64 = classes
        .iter()
        .map(|&c| {
            let s = scenario.candidate_spacing_m(c);
            (area_m2 / (s * s) + scenario.candidate_points().len() as f64)
                * facings(scenario, c).len() as f64
        })
        .sum();
    let too_many = |requested: u64| Error::ResourceLimit {
        what: "placement candidates",
        requested,
        limit,
        setting: "limits.max_candidates (or candidate_spacing_m / class_spacing_m)",
    };
    if estimate > limit as f64 * 1.5 {
        return Err(too_many(estimate.min(u64::MAX as f64) as u64));
    }
    let mut out: Vec<Candidate> = Vec::new();
    let mut all_counts = Vec::with_capacity(classes.len());
    for &class in &classes {
        let fac = facings(scenario, class);
        let sector_radar = !scenario.catalogue().class(class).is_all_round();
        let mut counts = RuleCounts {
            class: Some(class),
            ..RuleCounts::default()
        };
        let start = out.len();
        let push = |out: &mut Vec<Candidate>,
                    counts: &mut RuleCounts,
                    p: [f64; 2],
                    origin|
         -> Result<()> {
            if !allowed_counted(scenario, &fixed, class, p, counts) {
                return Ok(());
            }
            // Facings are true bearings: map them to the frame once per position.
            let bearings = if sector_radar {
                scenario.frame().bearing_map_local(p[0], p[1])
            } else {
                BearingMap::IDENTITY
            };
            for &f in &fac {
                if out.len() as u64 >= limit {
                    return Err(too_many(out.len() as u64 + 1));
                }
                let mut site = Site::new(class, p, f);
                site.bearings = bearings;
                out.push(Candidate { site, origin });
            }
            Ok(())
        };
        if !areas.is_empty() && bbox[0].is_finite() {
            let s = scenario.candidate_spacing_m(class);
            let grid = Grid::covering(bbox, s, u64::MAX)?;
            let mut cells: Vec<u64> = Vec::new();
            for mp in &areas {
                scan_polygon(&grid, mp, |j, i0, i1| {
                    if cells.len() as u64 <= limit {
                        cells.extend((i0..i1).map(|i| (j as u64) * grid.nx as u64 + i as u64));
                    }
                });
            }
            if cells.len() as u64 > limit {
                return Err(too_many(cells.len() as u64));
            }
            cells.sort_unstable();
            cells.dedup();
            for cell in cells {
                let (i, j) = (
                    (cell % grid.nx as u64) as usize,
                    (cell / grid.nx as u64) as usize,
                );
                push(
                    &mut out,
                    &mut counts,
                    grid.centre(i, j),
                    CandidateOrigin::Grid,
                )?;
            }
        }
        for (k, cp) in scenario.candidate_points().iter().enumerate() {
            if cp.class.map_or(true, |c| c == class) {
                push(&mut out, &mut counts, cp.local, CandidateOrigin::Point(k))?;
            }
        }
        for (k, s) in scenario.sites().iter().enumerate() {
            if !s.fixed
                && s.class == class
                && allowed_counted(scenario, &fixed, class, s.position, &mut counts)
            {
                if out.len() as u64 >= limit {
                    return Err(too_many(out.len() as u64 + 1));
                }
                let mut site = s.clone();
                site.fixed = false;
                out.push(Candidate {
                    site,
                    origin: CandidateOrigin::ExistingSite(k),
                });
            }
        }
        counts.candidates = (out.len() - start) as u64;
        all_counts.push(counts);
    }
    Ok((out, all_counts))
}

type Indexed = GeomWithData<[f64; 2], u32>;

/// Conflicting candidate pairs `(a, b)`, `a < b`: closer than the spacing rules allow.
///
/// # Errors
/// [`Error::ResourceLimit`] when there would be more than `max_pairs` pairs.
pub fn spacing_conflicts(
    scenario: &Scenario,
    candidates: &[Candidate],
    max_pairs: u64,
) -> Result<Vec<(usize, usize)>> {
    let items: Vec<Indexed> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| GeomWithData::new(c.site.position, i as u32))
        .collect();
    let tree = RTree::bulk_load(items);
    let mut out = Vec::new();
    for (a, ca) in candidates.iter().enumerate() {
        let any = scenario.settings().min_site_spacing_m;
        let radius = scenario
            .catalogue()
            .class(ca.site.class)
            .min_spacing_m
            .max(any);
        if radius <= 0.0 {
            continue;
        }
        let mut near: Vec<usize> = tree
            .locate_within_distance(ca.site.position, radius * radius)
            .map(|g| g.data as usize)
            .filter(|&b| b > a)
            .collect();
        near.sort_unstable();
        for b in near {
            let cb = &candidates[b];
            let d = required_spacing_m(scenario, ca.site.class, cb.site.class);
            let (dx, dy) = (
                cb.site.position[0] - ca.site.position[0],
                cb.site.position[1] - ca.site.position[1],
            );
            if dx * dx + dy * dy < d * d {
                out.push((a, b));
            }
        }
        if out.len() as u64 > max_pairs {
            return Err(Error::ResourceLimit {
                what: "spacing-conflict pairs",
                requested: out.len() as u64,
                limit: max_pairs,
                setting: "limits.max_matrix_nonzeros (or coarser candidate spacing)",
            });
        }
    }
    Ok(out)
}

/// True when `site` covers point `p` on every one of `layers`.
fn covers_all(cat: &Catalogue, site: &Site, layers: &[Layer], p: [f64; 2]) -> bool {
    !layers.is_empty()
        && layers
            .iter()
            .all(|l| Footprint::new(cat, site, l).covers(p))
}

/// The mutual-support rules of a scenario (empty without `mutual_support`): one per protected
/// candidate that still needs support after the fixed supporting sites, and one unconditional
/// rule per fixed protected site that needs more.
pub fn support_rules(scenario: &Scenario, candidates: &[Candidate]) -> Vec<SupportRule> {
    let Some(ms) = scenario.mutual_support() else {
        return Vec::new();
    };
    let cat = scenario.catalogue();
    let layers: Vec<Layer> = cat.layers_of(ms.threat).copied().collect();
    let fixed: Vec<&Site> = scenario.sites().iter().filter(|s| s.fixed).collect();
    let protectors: Vec<usize> = (0..candidates.len())
        .filter(|&i| candidates[i].site.class == ms.by_class)
        .collect();
    let fixed_protectors: Vec<&Site> = fixed
        .iter()
        .copied()
        .filter(|s| s.class == ms.by_class)
        .collect();
    // R-tree of protector candidate positions, queried with the protected site's position and
    // the protector class's largest reach
    let reach = layers
        .iter()
        .map(|l| crate::volume::max_ground_range_m(cat, ms.by_class, l))
        .fold(0.0f64, f64::max);
    let items: Vec<Indexed> = protectors
        .iter()
        .map(|&i| GeomWithData::new(candidates[i].site.position, i as u32))
        .collect();
    let tree = RTree::bulk_load(items);
    // protectors that cover `p` on every layer and may stand next to a `class` site there
    let supporters = |p: [f64; 2], class: ClassId| -> Vec<usize> {
        let env = AABB::from_corners([p[0] - reach, p[1] - reach], [p[0] + reach, p[1] + reach]);
        let spacing = required_spacing_m(scenario, class, ms.by_class);
        let mut v: Vec<usize> = tree
            .locate_in_envelope(&env)
            .map(|g| g.data as usize)
            .filter(|&q| {
                let qp = candidates[q].site.position;
                let (dx, dy) = (qp[0] - p[0], qp[1] - p[1]);
                dx * dx + dy * dy >= spacing * spacing
            })
            .filter(|&q| covers_all(cat, &candidates[q].site, &layers, p))
            .collect();
        v.sort_unstable();
        v
    };
    let fixed_support = |p: [f64; 2]| -> u32 {
        fixed_protectors
            .iter()
            .filter(|s| covers_all(cat, s, &layers, p))
            .count() as u32
    };
    let need = u32::from(ms.min_depth);
    let mut rules = Vec::new();
    for (k, s) in fixed.iter().enumerate() {
        if !ms.protected.contains(&s.class) {
            continue;
        }
        let have = fixed_support(s.position);
        if have < need {
            rules.push(SupportRule {
                protected: None,
                protectors: supporters(s.position, s.class),
                need: need - have,
                label: format!(
                    "fixed site \"{}\" ({})",
                    s.id.clone().unwrap_or_else(|| format!("#{k}")),
                    cat.class(s.class).id
                ),
            });
        }
    }
    for (i, c) in candidates.iter().enumerate() {
        if !ms.protected.contains(&c.site.class) {
            continue;
        }
        let have = fixed_support(c.site.position);
        if have < need {
            rules.push(SupportRule {
                protected: Some(i),
                protectors: supporters(c.site.position, c.site.class),
                need: need - have,
                label: format!(
                    "{} candidate {i} at ({:.0}, {:.0}) m",
                    cat.class(c.site.class).id,
                    c.site.position[0],
                    c.site.position[1]
                ),
            });
        }
    }
    rules
}
