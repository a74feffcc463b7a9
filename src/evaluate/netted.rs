//! Netted evaluation: coverage with a shared air picture (engage-on-remote).
//!
//! Without netting a site covers a sample on a layer when its [`Footprint`] covers it (its
//! weapon envelope, its own radar's horizon and sector) and, with terrain, its own antenna
//! sees it. With **netting** ([`Evaluator::with_netting`](super::Evaluator::with_netting), or
//! the scenario's `netting` setting through [`Coverage::for_scenario`](super::Coverage::for_scenario))
//! a site covers a sample on a layer when
//!
//! * its **weapon** reaches it: the kinematic envelope only (slant range band from the
//!   antenna, altitude band; no radar horizon, no sector, no line of sight: a weapon has no
//!   sector of its own in the catalogue), **and**
//! * the sample is **tracked**: some sensor of the defence sees it (any site's sensor:
//!   detection range, its antenna height, sector and refraction, the terrain-aware horizon cap
//!   and line of sight of [`Footprint::new_over`] and the viewsheds), or some site's own
//!   footprint covers it.
//!
//! Each of the three parts is an ordinary evaluation of a derived catalogue over the same
//! demand, on the same path ([`EvalPath`](super::EvalPath)) and with the same viewshed
//! machinery as the un-netted evaluation, so every path still agrees exactly:
//!
//! 1. `own`: the un-netted depths;
//! 2. `seen`: the sites evaluated with a **sensor catalogue** (one envelope per threat the
//!    class's sensor detects: range 0..detection range, any altitude; the sensor's antenna
//!    height, sector and refraction), over the terrain;
//! 3. `reach`: the sites evaluated with a **kinematic catalogue** (the weapon envelopes,
//!    all-round, refraction factor 10⁹ so that no horizon binds), on flat ground.
//!
//! The netted depth of a (sample, layer) is `reach` when `own > 0` or `seen > 0`, else 0. A
//! site's footprint lies inside its kinematic envelope (same arithmetic, tighter horizon and
//! sector), so netting **never lowers** a depth. The plain reference is
//! [`crate::netting::netted_depths`] (every sample × every site, exact line of sight); the
//! tests compare the two.

use super::{DepthMap, Evaluator};
use crate::catalogue::{Catalogue, Envelope, SystemClass};
use crate::catalogue_v2::sensor_view;
use crate::demand::Demand;
use crate::error::Result;
use crate::site::Site;
use crate::terrain::Terrain;
use std::collections::BTreeMap;

/// Refraction factor of the kinematic catalogue: makes the smooth-earth horizon (thousands of
/// km for any mast or target height above a few centimetres) never bind.
const NO_HORIZON_K: f64 = 1e9;

/// Highest target altitude of a sensor envelope, metres (sensors have no altitude band).
const SENSOR_CEILING_M: f64 = 1e6;

/// The weapons of `catalogue` alone: each class's envelopes, all-round, without a horizon.
pub(crate) fn kinematic_catalogue(catalogue: &Catalogue) -> Result<Catalogue> {
    let systems = catalogue
        .systems()
        .iter()
        .map(|c| SystemClass {
            sector_deg: 360.0,
            refraction_k: NO_HORIZON_K,
            sensor: None,
            ..c.clone()
        })
        .collect();
    Catalogue::from_classes(
        format!("{} (weapons)", catalogue.name()),
        catalogue.threats().to_vec(),
        systems,
    )
}

/// The sensors of `catalogue` alone: per class, one envelope per threat its sensor detects
/// ([`sensor_view`]: range 0..detection range, altitudes 0..10⁶ m), with the sensor's antenna
/// height, sector and refraction factor.
pub(crate) fn sensor_catalogue(catalogue: &Catalogue) -> Result<Catalogue> {
    let systems = catalogue
        .systems()
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let mut envelopes = BTreeMap::new();
            let mut antenna = c.antenna_height_m;
            let mut sector = c.sector_deg;
            let mut k = c.refraction_k;
            for (ti, t) in catalogue.threats().iter().enumerate() {
                let Some(v) = sensor_view(
                    catalogue,
                    crate::catalogue::ClassId(ci),
                    crate::catalogue::ThreatId(ti),
                ) else {
                    continue;
                };
                antenna = v.antenna_height_m;
                sector = v.sector_deg;
                k = v.refraction_k;
                envelopes.insert(
                    t.id.clone(),
                    Envelope {
                        min_range_m: 0.0,
                        max_range_m: v.range_m,
                        min_alt_m: 0.0,
                        max_alt_m: SENSOR_CEILING_M,
                    },
                );
            }
            SystemClass {
                antenna_height_m: antenna,
                sector_deg: sector,
                refraction_k: k,
                envelopes,
                sensor: None,
                ..c.clone()
            }
        })
        .collect();
    Catalogue::from_classes(
        format!("{} (sensors)", catalogue.name()),
        catalogue.threats().to_vec(),
        systems,
    )
}

/// Netted depths of `sites` over `demand` (see the [module docs](self)), on `eval`'s path,
/// terrain and viewshed cache. `own` are the un-netted depths from the same evaluator.
pub(super) fn netted_depths(
    eval: &Evaluator,
    catalogue: &Catalogue,
    demand: &Demand,
    sites: &[Site],
    own: DepthMap,
) -> Result<DepthMap> {
    Ok(netted_parts(eval, catalogue, demand, sites, own)?.0)
}

/// The netted depths and the **tracked** mask (layer-major, one flag per (layer, sample):
/// some site's sensor sees the sample or some site's footprint covers it) of `sites`.
pub(crate) fn netted_parts(
    eval: &Evaluator,
    catalogue: &Catalogue,
    demand: &Demand,
    sites: &[Site],
    own: DepthMap,
) -> Result<(DepthMap, Vec<bool>)> {
    if own.depth.is_empty() || sites.is_empty() {
        let tracked = vec![false; own.depth.len()];
        return Ok((own, tracked));
    }
    let plain = eval.clone().with_netting(false);
    let seen = plain.depths(&sensor_catalogue(catalogue)?, demand, sites)?;
    let reach = plain.with_terrain(Terrain::Flat).depths(
        &kinematic_catalogue(catalogue)?,
        demand,
        sites,
    )?;
    let mut out = own;
    let mut tracked = Vec::with_capacity(out.depth.len());
    for ((o, &s), &r) in out.depth.iter_mut().zip(&seen.depth).zip(&reach.depth) {
        let t = *o > 0 || s > 0;
        tracked.push(t);
        // reach ≥ own wherever own > 0 (footprint ⊆ kinematic envelope)
        *o = if t { r.max(*o) } else { 0 };
    }
    Ok((out, tracked))
}

/// The netted depths and tracked mask of `sites` (validated here) over `terrain`, on the
/// automatic path: for the placement model.
pub(crate) fn netted_evaluation(
    catalogue: &Catalogue,
    demand: &Demand,
    sites: &[Site],
    terrain: &Terrain,
) -> Result<(DepthMap, Vec<bool>)> {
    let eval = Evaluator::new().with_terrain(terrain.clone());
    let own = eval.depths(catalogue, demand, sites)?;
    netted_parts(&eval, catalogue, demand, sites, own)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::EvalPath;
    use crate::netting;
    use crate::terrain::Dem;
    use crate::{Coverage, Scenario};

    /// Kyiv's sites, and the same sites as named classes (sensors apart from weapons)
    /// shifted 7 km east.
    fn kyiv_sites(s: &Scenario) -> Vec<Site> {
        netting::with_named_twins(s.catalogue(), s.sites())
    }

    #[test]
    fn flat_netted_depths_equal_the_plain_reference_on_every_path() {
        let mut s = Scenario::builtin("kyiv").unwrap();
        s.settings_mut().grid_resolution_m = 3_000.0;
        let d = Demand::from_scenario(&s).unwrap();
        let cat = s.catalogue();
        let sites = kyiv_sites(&s);
        let own = Evaluator::new().depths(cat, &d, &sites).unwrap();
        let mut gained = false;
        for path in [EvalPath::Auto, EvalPath::Reference, EvalPath::RTree] {
            let net = Evaluator::with_path(path)
                .with_netting(true)
                .depths(cat, &d, &sites)
                .unwrap();
            for l in cat.layers() {
                let (_, reference) =
                    netting::netted_depths(cat, &d, &sites, &Terrain::Flat, l).unwrap();
                let got = net.layer(l.index);
                let mut differ = 0usize;
                for (k, (&g, &r)) in got.iter().zip(&reference).enumerate() {
                    assert!(g >= own.get(k, l.index), "netting lowered a depth");
                    gained |= g > own.get(k, l.index);
                    if g != r {
                        differ += 1;
                    }
                }
                // the same rule, sample for sample (sector edges, horizon and ranges included)
                assert_eq!(
                    differ,
                    0,
                    "{path:?} layer {}: {differ} of {} samples differ",
                    l.index,
                    got.len()
                );
            }
        }
        assert!(gained, "netting should add depth somewhere");
    }

    #[test]
    fn terrain_netted_depths_agree_with_the_plain_reference() {
        let mut s = Scenario::builtin("kyiv").unwrap();
        s.settings_mut().grid_resolution_m = 4_000.0;
        let d = Demand::from_scenario(&s).unwrap();
        let terrain =
            Terrain::for_scenario_with_dem(&s, &Dem::builtin("kyiv").unwrap(), 1_000.0).unwrap();
        let cat = s.catalogue();
        let sites = kyiv_sites(&s);
        let ev = Evaluator::new().with_terrain(terrain.clone());
        let own = ev.depths(cat, &d, &sites).unwrap();
        let net = ev
            .clone()
            .with_netting(true)
            .depths(cat, &d, &sites)
            .unwrap();
        let reference = Evaluator::with_path(EvalPath::Reference)
            .with_terrain(terrain.clone())
            .with_netting(true)
            .depths(cat, &d, &sites)
            .unwrap();
        assert_eq!(net, reference, "paths disagree with terrain");
        let ng = d.grid_samples();
        for l in cat.layers() {
            let (_, plain) = netting::netted_depths(cat, &d, &sites, &terrain, l).unwrap();
            let got = net.layer(l.index);
            let mut differ = 0usize;
            for (k, (&g, &r)) in got.iter().zip(&plain).enumerate() {
                assert!(g >= own.get(k, l.index));
                if k >= ng {
                    // point samples: exact line of sight on both sides
                    assert_eq!(g, r, "point sample {k} layer {}", l.index);
                } else if g != r {
                    differ += 1;
                }
            }
            // grid samples: viewshed cells against exact lines of sight (they agree here, 0
            // of 343 per layer; sub-cell ties may differ on other terrain)
            assert!(
                differ * 50 <= ng.max(1),
                "layer {}: {differ} of {ng} grid samples differ",
                l.index
            );
        }
    }

    #[test]
    fn abstract_classes_gain_nothing_from_netting_alone() {
        // a single abstract site: its sensor is its weapon radar, so netting adds nothing
        let mut s = Scenario::builtin("kyiv").unwrap();
        s.settings_mut().grid_resolution_m = 4_000.0;
        let d = Demand::from_scenario(&s).unwrap();
        let cat = s.catalogue();
        let one = &s.sites()[..1];
        let own = Coverage::evaluate(cat, &d, one).unwrap();
        let net = Evaluator::new()
            .with_netting(true)
            .evaluate(cat, &d, one)
            .unwrap();
        assert_eq!(own.depths(), net.depths());
        assert!(net.is_netted() && !own.is_netted());
    }
}
