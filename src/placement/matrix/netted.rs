//! The coverage matrix under sensor netting: a conservative, separable model.
//!
//! With netting (the scenario's `netting` setting) the netted evaluation
//! ([`Evaluator::with_netting`](crate::Evaluator::with_netting)) lets a weapon count wherever
//! its kinematic envelope reaches a target that **some** sensor tracks. A candidate's
//! contribution then depends on which other sites stand: not a fixed column of a covering
//! model. The model built here keeps it separable and **sound** (it never promises more than
//! the netted evaluation gives):
//!
//! * **initial depths**: the netted evaluation of the fixed (existing) sites alone;
//! * **candidate rows**: a candidate covers a unit when its own footprint covers it (its own
//!   sensor, as without netting) **or** its weapon's kinematic envelope reaches it and an
//!   existing (fixed) site tracks it (that site's sensor sees it or its footprint covers it).
//!
//! For any set of chosen candidates the netted evaluation of fixed + chosen sites is then at
//! least the model's depth on every unit (where a fixed site tracks, every weapon that reaches
//! counts in both; elsewhere the model counts only own footprints, and each of them also makes
//! the unit tracked), so the plan's netted evaluation is **≥ the model's objective**.
//!
//! Left out: a new site's sensor cueing another new site's weapon (it would make the objective
//! depend on pairs of candidates). The plan is evaluated with full netting afterwards, which
//! picks that up; the planner says so with a `placement.netting_conservative` diagnostic.

use super::{build_masked, covered_units, CoverageMatrix, Indexed, MaskSource, UnitLayout};
use crate::catalogue::Catalogue;
use crate::demand::Demand;
use crate::error::Result;
use crate::evaluate::netted::{kinematic_catalogue, netted_evaluation};
use crate::site::Site;
use crate::terrain::{Terrain, ViewshedCache};
use rayon::prelude::*;
use rstar::primitives::GeomWithData;
use rstar::RTree;
use std::sync::atomic::{AtomicU64, Ordering};

/// [`build_scenario_matrix_cached`](super::build_scenario_matrix_cached) under netting: the
/// conservative model of the [module docs](self).
///
/// # Complexity
/// As [`build_scenario_matrix_cached`](super::build_scenario_matrix_cached), plus the netted
/// evaluation of the fixed sites and, per candidate and layer, one R-tree query over its
/// kinematic envelope's bounding box.
///
/// # Errors
/// As [`build_scenario_matrix_cached`](super::build_scenario_matrix_cached);
/// [`Error::ResourceLimit`] when the netted rows exceed `max_nonzeros` non-zeros.
pub(crate) fn build_scenario_matrix_netted(
    catalogue: &Catalogue,
    demand: &Demand,
    candidates: &[Site],
    fixed: &[Site],
    max_nonzeros: u64,
    terrain: &Terrain,
    cache: Option<&ViewshedCache>,
) -> Result<(CoverageMatrix, UnitLayout)> {
    let masks = MaskSource::Sweep { terrain, cache };
    let (own, layout) = build_masked(catalogue, demand, candidates, fixed, max_nonzeros, masks)?;
    let (initial, tracked) = netted_evaluation(catalogue, demand, fixed, terrain)?;
    if !tracked.iter().any(|&t| t) {
        // nothing tracked by a fixed site: the model is the un-netted one
        return Ok((own, layout));
    }
    let kin = kinematic_catalogue(catalogue)?;
    let positions = demand.positions();
    let items: Vec<Indexed> = positions
        .iter()
        .enumerate()
        .map(|(i, p)| GeomWithData::new(*p, i as u32))
        .collect();
    let tree = RTree::bulk_load(items);
    let total = AtomicU64::new(0);
    let rows: Vec<Option<Vec<u32>>> = candidates
        .par_iter()
        .enumerate()
        .map(|(c, site)| {
            if total.load(Ordering::Relaxed) > max_nonzeros {
                return None;
            }
            let mut reach = Vec::new();
            covered_units(&kin, &tree, positions, layout, site, None, &mut reach);
            reach.retain(|&u| tracked[u as usize]);
            let mine = own.units_of(c);
            let mut row = Vec::with_capacity(reach.len().max(mine.len()));
            // union of two sorted lists
            let (mut i, mut j) = (0, 0);
            while i < mine.len() || j < reach.len() {
                let next = match (mine.get(i), reach.get(j)) {
                    (Some(&a), Some(&b)) if a == b => {
                        i += 1;
                        j += 1;
                        a
                    }
                    (Some(&a), Some(&b)) if a < b => {
                        i += 1;
                        a
                    }
                    (Some(&a), None) => {
                        i += 1;
                        a
                    }
                    (_, Some(&b)) => {
                        j += 1;
                        b
                    }
                    (None, None) => break,
                };
                row.push(next);
            }
            let t = total.fetch_add(row.len() as u64, Ordering::Relaxed) + row.len() as u64;
            (t <= max_nonzeros).then_some(row)
        })
        .collect();
    let nnz = total.load(Ordering::Relaxed);
    let netted = "coverage-matrix non-zeros (netted)";
    let m = super::with_rows(rows, nnz, max_nonzeros, netted, || {
        CoverageMatrix::new(own.weights().to_vec())?
            .with_required_depth(own.required().to_vec())?
            .with_initial_depth(initial.as_slice().to_vec())
    })?;
    Ok((m, layout))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::Evaluator;
    use crate::placement::{Algorithm, Planner};
    use crate::Scenario;

    /// Kyiv with its sites fixed, as named classes (sensors apart from weapons), netting on.
    fn kyiv_netted() -> Scenario {
        let mut s = Scenario::builtin("kyiv").unwrap();
        s.settings_mut().grid_resolution_m = 4_000.0;
        s.settings_mut().candidate_spacing_m = 8_000.0;
        s.threat_setup_mut().netting = true;
        s
    }

    #[test]
    fn model_never_promises_more_than_the_netted_evaluation() {
        let s = kyiv_netted();
        let cat = s.catalogue();
        let d = Demand::from_scenario(&s).unwrap();
        let fixed: Vec<Site> = s.sites().iter().filter(|x| x.fixed).cloned().collect();
        assert!(!fixed.is_empty());
        let cands: Vec<Site> = crate::placement::candidates::scenario_candidates(&s)
            .unwrap()
            .into_iter()
            .map(|c| c.site)
            .collect();
        let terrain = s.terrain().clone();
        let (m, layout) =
            build_scenario_matrix_netted(cat, &d, &cands, &fixed, 1 << 30, &terrain, None).unwrap();
        let (plain, _) = super::super::build_scenario_matrix_cached(
            cat,
            &d,
            &cands,
            &fixed,
            1 << 30,
            &terrain,
            None,
        )
        .unwrap();
        assert_eq!(layout.n_samples, d.len());
        // netted rows contain the own rows
        for c in 0..cands.len() {
            let row = m.units_of(c);
            assert!(plain
                .units_of(c)
                .iter()
                .all(|u| row.binary_search(u).is_ok()));
        }
        // a few deterministic subsets: netted evaluation ≥ model depth on every unit
        let net = Evaluator::new()
            .with_terrain(terrain.clone())
            .with_netting(true);
        let own = Evaluator::new().with_terrain(terrain);
        for step in [3usize, 7, 11] {
            let chosen: Vec<usize> = (0..cands.len()).step_by(step).take(6).collect();
            let mut sites = fixed.clone();
            sites.extend(chosen.iter().map(|&c| cands[c].clone()));
            let model = m.depths_of(&chosen);
            let got = net.depths(cat, &d, &sites).unwrap();
            let base = own.depths(cat, &d, &sites).unwrap();
            for (u, &md) in model.iter().enumerate() {
                assert!(
                    got.as_slice()[u] >= md,
                    "unit {u}: netted {} < model {md}",
                    got.as_slice()[u]
                );
                assert!(
                    got.as_slice()[u] >= base.as_slice()[u],
                    "netting lowered unit {u}"
                );
            }
            // and the model is at least the un-netted objective
            assert!(m.objective_of(&chosen) >= plain.objective_of(&chosen) - 1e-9);
        }
    }

    #[test]
    fn netted_plan_evaluates_at_least_its_objective() {
        let s = kyiv_netted();
        let plan = Planner::new(&s)
            .terrain(s.terrain().clone())
            .algorithm(Algorithm::Greedy)
            .plan()
            .unwrap();
        assert!(plan
            .diagnostics
            .iter()
            .any(|d| d.code == crate::diagnostic::codes::PLACEMENT_NETTING_CONSERVATIVE));
        let d = Demand::from_scenario(&s).unwrap();
        let cov = crate::Coverage::for_scenario_demand(&s, &d, &plan.sites).unwrap();
        assert!(cov.is_netted());
        let model = Planner::new(&s)
            .terrain(s.terrain().clone())
            .model()
            .unwrap();
        let value = model
            .problem
            .matrix()
            .value_of_depths(cov.depths().as_slice());
        assert!(
            value >= plan.objective - 1e-6 * plan.objective.abs().max(1.0),
            "netted evaluation {value} < model objective {}",
            plan.objective
        );
    }
}
