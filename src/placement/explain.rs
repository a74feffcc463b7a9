//! What a plan could not do, and why: checks of the planner's inputs (ids, models, demand)
//! and the per-class explanation of inventory left unplaced while coverage is incomplete.
//!
//! Diagnostic codes emitted here: [`codes::PLACEMENT_INVENTORY_UNPLACED`]. Errors:
//! [`Error::Infeasible`] when inventory is to be placed but no candidate survives the rules or
//! the budget pays for none; [`Error::InvalidInput`] for a model or demand from another
//! scenario or catalogue, or ids out of range.

use std::fmt::{self, Write as _};

use super::candidates::{required_spacing_m, Candidate, RuleCounts};
use super::covering::Solution;
use super::PlacementModel;
use crate::demand::Demand;
use crate::diagnostic::{codes, Diagnostic};
use crate::error::{Error, Result};
use crate::scenario::Scenario;

/// Streaming FNV-1a over formatted text (no allocation proportional to the input).
struct Fnv(u64);

impl fmt::Write for Fnv {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Ok(())
    }
}

/// A stable fingerprint of everything in `scenario` that a placement model depends on.
pub fn scenario_fingerprint(scenario: &Scenario) -> u64 {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    // Debug of the scenario covers features, settings, inventory, budget, sites, catalogue
    let _ = write!(h, "{scenario:?}");
    h.0
}

/// Every class and threat id the scenario holds is in its catalogue (scenarios edited through
/// `set_sites`/`set_inventory` are checked there too; this also covers `settings_mut`).
pub(crate) fn check_scenario_ids(s: &Scenario) -> Result<()> {
    let cat = s.catalogue();
    for (i, item) in s.inventory().iter().enumerate() {
        cat.try_class(item.class, &format!("inventory item {i} class"))?;
    }
    crate::validate::check_sites(cat, s.sites())?;
    if s.settings().class_spacing_m.len() > cat.systems().len() {
        return Err(Error::InvalidSetting {
            field: "class_spacing_m".into(),
            reason: format!(
                "{} entries for {} classes",
                s.settings().class_spacing_m.len(),
                cat.systems().len()
            ),
        });
    }
    Ok(())
}

/// The demand handed to the planner was discretised against this scenario's catalogue and has
/// finite weights; a non-finite weight names the feature and field it comes from.
pub(crate) fn check_demand(s: &Scenario, demand: &Demand) -> Result<()> {
    let nt = s.catalogue().threats().len();
    if demand.n_threats() != nt {
        return Err(Error::InvalidInput {
            what: "demand".into(),
            reason: format!(
                "discretised for {} threats, the scenario's catalogue has {nt}: build it from \
                 this scenario",
                demand.n_threats()
            ),
        });
    }
    crate::demand::check_weights(s, demand)
}

/// Refuses to plan when inventory is to be placed but no candidate survives, or the budget
/// pays for none.
pub(crate) fn check_placeable(
    s: &Scenario,
    candidates: &[Candidate],
    counts: &[RuleCounts],
) -> Result<()> {
    let to_place: u64 = s.inventory().iter().map(|i| u64::from(i.count)).sum();
    if to_place == 0 {
        return Ok(());
    }
    if candidates.is_empty() {
        let per: Vec<String> = counts.iter().map(|c| describe_counts(s, c)).collect();
        return Err(Error::Infeasible {
            reason: format!(
                "{to_place} unit(s) to place but no candidate survives the rules: {}; widen the \
                 candidate areas (or zones), shrink exclusions or `keep_out_m`, or lower \
                 `min_site_spacing_m`",
                per.join("; ")
            ),
        });
    }
    if let Some(b) = s.budget() {
        let cheapest = s
            .inventory()
            .iter()
            .filter(|i| i.count > 0 && candidates.iter().any(|c| c.site.class == i.class))
            .map(|i| i.unit_cost)
            .fold(f64::INFINITY, f64::min);
        if cheapest > b {
            return Err(Error::Infeasible {
                reason: format!(
                    "{to_place} unit(s) to place but the budget {b} is below every unit cost \
                     (cheapest {cheapest}); raise `budget` or lower `inventory.<class>.unit_cost`"
                ),
            });
        }
    }
    Ok(())
}

fn describe_counts(s: &Scenario, c: &RuleCounts) -> String {
    let name = c
        .class
        .and_then(|k| s.catalogue().try_class(k, "class").ok())
        .map_or("?", |k| k.id.as_str());
    format!(
        "{name}: {} position(s) considered, exclusion areas removed {}, the contact-line \
         keep-out {}, spacing from fixed sites {}, {} candidate(s) left",
        c.considered, c.exclusion, c.keep_out, c.fixed_spacing, c.candidates
    )
}

/// Checks that `model` was built from `scenario` (same catalogue and scenario fingerprints)
/// and is internally consistent.
pub(crate) fn check_model(scenario: &Scenario, model: &PlacementModel) -> Result<()> {
    let bad = |reason: String| Error::InvalidInput {
        what: "placement model".into(),
        reason,
    };
    if model.catalogue_fingerprint != scenario.catalogue().fingerprint() {
        return Err(bad(format!(
            "built with another catalogue (fingerprint {:016x}, this scenario's is {:016x}): \
             class ids would mean other classes; rebuild it with Planner::model",
            model.catalogue_fingerprint,
            scenario.catalogue().fingerprint()
        )));
    }
    if model.scenario_fingerprint != scenario_fingerprint(scenario) {
        return Err(bad(
            "built from another scenario (or this one was changed since): rebuild it with \
             Planner::model"
                .into(),
        ));
    }
    let cat = scenario.catalogue();
    let n = model.problem.n_candidates();
    let m = model.problem.matrix();
    if model.candidates.len() != n
        || model.layout.n_samples != model.demand.len()
        || model.layout.n_layers != cat.layers().len()
        || m.n_units() != model.layout.n_samples * model.layout.n_layers
    {
        return Err(bad(format!(
            "inconsistent: {} candidates for {n} matrix columns, layout {:?} for {} samples \
             and {} units",
            model.candidates.len(),
            model.layout,
            model.demand.len(),
            m.n_units()
        )));
    }
    for (i, c) in model.candidates.iter().enumerate() {
        cat.try_class(c.site.class, &format!("model candidate {i} class"))?;
    }
    crate::validate::check_sites(cat, &model.fixed)?;
    Ok(())
}

/// One [`codes::PLACEMENT_INVENTORY_UNPLACED`] diagnostic per class that keeps inventory
/// unplaced while coverage is incomplete: candidates, what each rule removed, what stopped
/// the plan (budget, spacing, mutual support, no gain) and the setting that would change it.
pub(crate) fn unplaced(
    s: &Scenario,
    model: &PlacementModel,
    sol: &Solution,
    placed: &[u32],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if sol.objective >= sol.max_objective * (1.0 - 1e-12) {
        return out; // coverage complete: unplaced inventory is simply not needed
    }
    let cat = s.catalogue();
    let m = model.problem.matrix();
    let depth = m.depths_of(&sol.chosen);
    let (w, k) = (m.weights(), m.required());
    let spent: f64 = sol.chosen.iter().map(|&c| model.problem.cost(c)).sum();
    let chosen: std::collections::HashSet<usize> = sol.chosen.iter().copied().collect();
    for item in s.inventory() {
        let Ok(class) = cat.try_class(item.class, "inventory class") else {
            continue;
        };
        let n_placed = placed.get(item.class.0).copied().unwrap_or(0);
        if item.count == 0 || n_placed >= item.count {
            continue;
        }
        let counts = model
            .rule_counts
            .iter()
            .find(|c| c.class == Some(item.class))
            .cloned()
            .unwrap_or_default();
        let mut why: Vec<String> = Vec::new();
        let of_class: Vec<usize> = (0..model.candidates.len())
            .filter(|&c| model.candidates[c].site.class == item.class && !chosen.contains(&c))
            .collect();
        if counts.candidates == 0 {
            why.push(
                "no candidate survives the rules: widen the candidate areas, shrink exclusions \
                 or `keep_out_m`, or lower `min_site_spacing_m`"
                    .into(),
            );
        } else if of_class.is_empty() {
            why.push(format!(
                "every candidate of the class is used: lower `class_spacing_m.{}` or \
                 `candidate_spacing_m` for more positions",
                class.id
            ));
        }
        if let Some(b) = s.budget() {
            let left = b - spent;
            if item.unit_cost > left + 1e-9 {
                why.push(format!(
                    "budget: {left:.1} of {b:.1} left, one {} costs {:.1}: raise `budget`",
                    class.id, item.unit_cost
                ));
            }
        }
        // spacing against the placed and fixed sites
        let sites: Vec<[f64; 2]> = sol
            .chosen
            .iter()
            .map(|&c| &model.candidates[c].site)
            .chain(model.fixed.iter())
            .map(|x| x.position)
            .collect();
        let classes: Vec<crate::ClassId> = sol
            .chosen
            .iter()
            .map(|&c| model.candidates[c].site.class)
            .chain(model.fixed.iter().map(|x| x.class))
            .collect();
        let mut blocked = 0usize;
        let mut useful = 0usize;
        for &c in &of_class {
            let p = model.candidates[c].site.position;
            let too_close = sites.iter().zip(&classes).any(|(q, &qc)| {
                let d = required_spacing_m(s, item.class, qc);
                let (dx, dy) = (q[0] - p[0], q[1] - p[1]);
                dx * dx + dy * dy < d * d
            });
            if too_close {
                blocked += 1;
                continue;
            }
            let gain: f64 = m
                .units_of(c)
                .iter()
                .map(|&u| {
                    let u = u as usize;
                    if depth[u] < k[u] {
                        w[u] / f64::from(k[u])
                    } else {
                        0.0
                    }
                })
                .sum();
            if gain > 0.0 {
                useful += 1;
            }
        }
        if blocked > 0 {
            why.push(format!(
                "spacing: {blocked} of the {} unused candidate(s) are too close to placed or \
                 fixed sites (class min spacing {:.0} m, `min_site_spacing_m` {:.0} m)",
                of_class.len(),
                class.min_spacing_m,
                s.settings().min_site_spacing_m
            ));
        }
        if let Some(ms) = s.mutual_support() {
            if ms.protected.contains(&item.class) {
                why.push(format!(
                    "mutual support: each {} needs {} supporting {} site(s) (`mutual_support`)",
                    class.id,
                    ms.min_depth,
                    cat.try_class(ms.by_class, "class")
                        .map_or("?", |c| c.id.as_str())
                ));
            }
        }
        if useful == 0 && !of_class.is_empty() {
            why.push(
                "no unused candidate adds coverage: the uncovered demand is out of this class's \
                 reach from the candidate positions (add candidate areas or points nearer to it)"
                    .into(),
            );
        } else if why.is_empty() {
            why.push(format!(
                "{useful} unused candidate(s) would add coverage but the search kept the \
                 inventory back (conflicts between candidates or a local optimum: try \
                 Algorithm::Best or more `perturbations`)"
            ));
        }
        out.push(
            Diagnostic::warning(
                codes::PLACEMENT_INVENTORY_UNPLACED,
                format!(
                    "{} of {} {} placed while coverage is incomplete; {}; {}",
                    n_placed,
                    item.count,
                    class.id,
                    describe_counts(s, &counts),
                    why.join("; ")
                ),
            )
            .with_field(format!("inventory.{}", class.id)),
        );
    }
    out
}
