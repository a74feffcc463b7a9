//! Coverage with and without sensor netting: the plain reference.
//!
//! Without netting a site covers a sample when its own radar sees the sample and its weapon
//! reaches it (the footprint). With a **netted** air picture (engage-on-remote) a weapon may
//! engage inside its kinematic envelope any target that *some* sensor of the defence sees,
//! even below its own radar's horizon or outside its own sector. This module computes both
//! depths per (sample, layer) with one plain loop (every sample × every site,
//! O(layers · samples · sites), plus an exact line of sight per pair in range with terrain)
//! and summarises the weighted covered fraction per layer.
//!
//! The main evaluation honours netting itself
//! ([`Evaluator::with_netting`](crate::Evaluator::with_netting), the scenario's `netting`
//! setting in [`Coverage::for_scenario`](crate::Coverage::for_scenario)), on its fast paths,
//! and so does the placement model (a conservative separable model, see
//! `placement::matrix`); this module is the plain reference they are tested against. Without
//! netting its depths equal [`Coverage`](crate::Coverage)'s exactly for the abstract classes
//! on flat terrain (tested); with terrain it uses the exact line of sight for every sample,
//! where the main evaluation uses viewsheds for grid samples (they agree except on sub-cell
//! ties). The main evaluation also counts a site's own footprint as a track, so it is never
//! below this reference's own-sensor depth.
//!
//! # Examples
//! ```
//! use skycover::netting::netting_effect;
//! use skycover::{Catalogue, Demand, Scenario, Terrain};
//! let mut s = Scenario::builtin("kyiv")?;
//! s.settings_mut().grid_resolution_m = 4_000.0;
//! let d = Demand::from_scenario(&s)?;
//! let e = netting_effect(s.catalogue(), &d, s.sites(), &Terrain::Flat)?;
//! for l in &e {
//!     assert!(l.netted_fraction >= l.own_fraction);
//! }
//! # Ok::<(), skycover::Error>(())
//! ```

use crate::catalogue::{Catalogue, Layer};
use crate::catalogue_v2::sensor_view;
use crate::demand::Demand;
use crate::error::{Error, Result};
use crate::site::Site;
use crate::terrain::Terrain;
use crate::timeline::{kinematic_point, sees_point};
use rayon::prelude::*;
use serde::Serialize;

/// Covered fraction of one layer with and without netting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerNetting {
    /// The layer.
    pub layer: Layer,
    /// Weighted fraction of demand covered at depth ≥ 1, each weapon cued by its own sensor.
    pub own_fraction: f64,
    /// The same with netting (any sensor cues any weapon).
    pub netted_fraction: f64,
}

/// Depth of every sample on `layer`: `(own, netted)`, saturating at 255.
///
/// # Errors
/// [`Error::InvalidInput`] for a site class not in `catalogue`.
pub fn netted_depths(
    catalogue: &Catalogue,
    demand: &Demand,
    sites: &[Site],
    terrain: &Terrain,
    layer: &Layer,
) -> Result<(Vec<u8>, Vec<u8>)> {
    for (i, s) in sites.iter().enumerate() {
        if s.class.0 >= catalogue.systems().len() {
            return Err(Error::InvalidInput {
                what: format!("sites[{i}].class"),
                reason: format!("{} is not in the catalogue", s.class.0),
            });
        }
    }
    let views: Vec<_> = sites
        .iter()
        .map(|s| sensor_view(catalogue, s.class, layer.threat))
        .collect();
    let h = layer.altitude_m;
    let pairs: Vec<(u8, u8)> = demand
        .positions()
        .par_iter()
        .map(|&p| {
            let seen: Vec<bool> = sites
                .iter()
                .zip(&views)
                .map(|(s, v)| v.as_ref().is_some_and(|v| sees_point(s, v, h, terrain, p)))
                .collect();
            let any = seen.iter().any(|&b| b);
            let (mut own, mut net) = (0u8, 0u8);
            for (k, s) in sites.iter().enumerate() {
                if kinematic_point(catalogue, s, layer.threat, h, p) {
                    if seen[k] {
                        own = own.saturating_add(1);
                    }
                    if any {
                        net = net.saturating_add(1);
                    }
                }
            }
            (own, net)
        })
        .collect();
    Ok(pairs.into_iter().unzip())
}

/// Weighted covered fraction (depth ≥ 1) of every layer, with and without netting.
///
/// # Errors
/// As [`netted_depths`].
pub fn netting_effect(
    catalogue: &Catalogue,
    demand: &Demand,
    sites: &[Site],
    terrain: &Terrain,
) -> Result<Vec<LayerNetting>> {
    let w = demand.weights();
    let total: f64 = w.iter().sum();
    catalogue
        .layers()
        .iter()
        .map(|l| {
            let (own, net) = netted_depths(catalogue, demand, sites, terrain, l)?;
            let f = |d: &[u8]| {
                if total > 0.0 {
                    d.iter()
                        .zip(w)
                        .filter(|(d, _)| **d > 0)
                        .map(|(_, w)| w)
                        .sum::<f64>()
                        / total
                } else {
                    0.0
                }
            };
            Ok(LayerNetting {
                layer: *l,
                own_fraction: f(&own),
                netted_fraction: f(&net),
            })
        })
        .collect()
}

/// `sites` followed by their twins of the named classes (sensors apart from weapons: PAC-3
/// MSE, IRIS-T SLM, Gepard for the three abstract classes) 7 km east: a test fixture.
#[cfg(test)]
pub(crate) fn with_named_twins(cat: &Catalogue, sites: &[Site]) -> Vec<Site> {
    let mut out = sites.to_vec();
    for x in sites {
        let named = match cat.class(x.class).id.as_str() {
            "patriot_class" => "patriot_pac3_mse",
            "medium_range" => "iris_t_slm",
            _ => "gepard",
        };
        if let Ok(c) = cat.class_id(named) {
            let mut y = x.clone();
            y.class = c;
            y.position[0] += 7_000.0;
            out.push(y);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Coverage, Scenario};

    #[test]
    fn own_depths_equal_coverage_and_netting_only_adds() {
        let mut s = Scenario::builtin("kyiv").unwrap();
        s.settings_mut().grid_resolution_m = 3_000.0;
        let d = Demand::from_scenario(&s).unwrap();
        let cat = s.catalogue().clone();
        // abstract classes and the named ones (sensors apart from weapons)
        let sites = with_named_twins(&cat, s.sites());
        let mut gained = false;
        for l in cat.layers() {
            let (own, net) = netted_depths(&cat, &d, &sites, &Terrain::Flat, l).unwrap();
            for (&o, &n) in own.iter().zip(&net) {
                assert!(n >= o);
                gained |= n > o;
            }
        }
        assert!(gained, "netting should add depth somewhere");
        // abstract classes only: own depth is exactly the coverage depth
        let abstract_sites = s.sites().to_vec();
        let cov_a = Coverage::evaluate(&cat, &d, &abstract_sites).unwrap();
        for l in cat.layers() {
            let (own, _) = netted_depths(&cat, &d, &abstract_sites, &Terrain::Flat, l).unwrap();
            for (k, &o) in own.iter().enumerate() {
                assert_eq!(o, cov_a.depth(k, l.index), "sample {k} layer {}", l.index);
            }
        }
    }
}
