//! Placement: where should the inventory go so that weighted gaps are smallest, and how far is
//! that plan from the best possible one?
//!
//! # Pipeline
//!
//! 1. **Candidates** ([`candidates`]): a grid per class over the candidate areas (default: the
//!    zones) minus exclusions and the keep-out band along the contact line, plus explicit
//!    candidate points; sector radars get one candidate per facing. Fixed sites are counted
//!    first (their coverage is the initial depth) and candidates too close to them are dropped.
//! 2. **Sparse coverage matrix** ([`matrix`]): per candidate, the sorted (sample, layer) units
//!    it covers, built through an R-tree of demand samples and the exact
//!    [`Footprint::covers`](crate::Footprint::covers) predicate; 4 bytes per non-zero. With
//!    [`Planner::terrain`], each row is also masked by the candidate's terrain visibility
//!    (the rule of [`Coverage::evaluate_with_terrain`](crate::Coverage::evaluate_with_terrain)).
//! 3. **Objective and constraints** ([`objective`]): maximise
//!    `Σ sample weight × layer weight × min(depth, k)/k` under inventory per class, budget,
//!    spacing and mutual support.
//! 4. **Algorithms** ([`covering::solve`]): lazy greedy ([`greedy`]), swap local search
//!    ([`local_search`]), a certified upper bound ([`bound`]) and the exact MILP ([`milp`]).
//!
//! [`Planner`] runs it all on a [`Scenario`] and returns a [`Plan`]; [`covering`] exposes the
//! same solvers on an explicit [`CoverageMatrix`] (maximal covering, set covering,
//! k-coverage).
//!
//! # Examples
//! ```
//! use skycover::placement::{Algorithm, Planner};
//! use skycover::Scenario;
//! use std::time::Duration;
//!
//! let mut scenario = Scenario::builtin("kyiv")?;
//! scenario.settings_mut().grid_resolution_m = 4_000.0; // coarse, for a quick doc test
//! scenario.settings_mut().candidate_spacing_m = 12_000.0;
//! let plan = Planner::new(&scenario)
//!     .algorithm(Algorithm::GreedyLocalSearch)
//!     .time_limit(Duration::from_secs(5))
//!     .seed(42)
//!     .plan()?;
//! assert!(plan.objective > plan.objective_before);
//! assert!(plan.upper_bound >= plan.objective);
//! assert!(plan.gap_percent >= 0.0);
//! # Ok::<(), skycover::Error>(())
//! ```

pub mod bound;
pub mod candidates;
pub mod covering;
pub mod exact;
pub mod explain;
pub mod greedy;
pub(crate) mod interchange;
pub mod local_search;
pub mod matrix;
pub mod milp;
pub mod objective;
mod pipeline;
pub mod presolve;
pub(crate) mod presolve_fast;
pub(crate) mod setcover;
pub mod synthetic;

/// Runs `f` on a rayon pool of `threads` threads (the unit tests' determinism checks across
/// thread counts; the integration tests have their own in `tests/common`).
#[cfg(test)]
pub(crate) fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool")
        .install(f)
}

pub use candidates::{Candidate, CandidateOrigin, RuleCounts};
pub use covering::{Algorithm, SetCoverSolution, Solution, SolveOptions, SolveStats};
pub use matrix::{CoverageMatrix, UnitLayout};
pub use milp::MICROLP_MAX_VARIABLES;
pub use objective::{CoveringProblem, SupportRule};
pub use presolve::PresolveStats;

use crate::demand::Demand;
use crate::diagnostic::{codes, Diagnostic};
use crate::error::Result;
use crate::scenario::Scenario;
use crate::site::Site;
use crate::terrain::Terrain;
use serde::Serialize;
use std::time::{Duration, Instant};

/// A scenario turned into a placement problem: candidates, fixed sites, the coverage matrix
/// and constraints. Build once with [`Planner::model`], solve many times with
/// [`Planner::plan_model`].
#[derive(Debug, Clone)]
pub struct PlacementModel {
    /// The demand samples.
    pub demand: Demand,
    /// Candidates, indexed like the problem's candidates.
    pub candidates: Vec<Candidate>,
    /// Fixed (already deployed) sites.
    pub fixed: Vec<Site>,
    /// The covering problem (matrix, inventory, budget, spacing, mutual support).
    pub problem: CoveringProblem,
    /// How units map to (layer, sample).
    pub layout: UnitLayout,
    /// Seconds spent discretising demand.
    pub demand_s: f64,
    /// Seconds spent generating candidates, conflicts and support rules.
    pub candidates_s: f64,
    /// Seconds spent building the coverage matrix.
    pub matrix_s: f64,
    /// Typed remarks about the model (e.g. protected classes that no supporting site can
    /// reach); copied into every plan solved from it.
    pub diagnostics: Vec<Diagnostic>,
    /// Per class with inventory: positions considered and how many each candidate rule
    /// removed (quoted by plans that leave inventory unplaced).
    pub rule_counts: Vec<RuleCounts>,
    /// [`Catalogue::fingerprint`](crate::Catalogue::fingerprint) of the scenario's catalogue:
    /// [`Planner::plan_model`] refuses a model built with another catalogue.
    pub catalogue_fingerprint: u64,
    /// Fingerprint of the scenario (features, settings, inventory, budget, sites) the model was
    /// built from: [`Planner::plan_model`] refuses a model built from another scenario.
    pub scenario_fingerprint: u64,
}

/// Sites per class in a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassCount {
    /// Class id.
    pub class: String,
    /// Fixed sites of the class.
    pub fixed: u32,
    /// Sites placed by the plan.
    pub placed: u32,
    /// Inventory available to place.
    pub available: u32,
    /// Unit cost.
    pub unit_cost: f64,
}

/// Coverage against one threat, from the coverage matrix units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThreatCoverage {
    /// Threat id.
    pub threat: String,
    /// Fraction of sample weight covered to the required depth on every layer of the threat.
    pub covered_fraction: f64,
    /// Depth-aware score: `Σ w·min(d, k)/k / Σ w` over the threat's layers.
    pub score: f64,
}

/// Timings of a plan, seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PlanTimings {
    /// Demand discretisation.
    pub demand_s: f64,
    /// Candidates, spacing conflicts and support rules.
    pub candidates_s: f64,
    /// Coverage matrix.
    pub matrix_s: f64,
    /// Greedy.
    pub greedy_s: f64,
    /// Local search.
    pub local_search_s: f64,
    /// Upper bound.
    pub bound_s: f64,
    /// MILP.
    pub milp_s: f64,
    /// Whole solve (greedy to MILP).
    pub solve_s: f64,
}

/// The result of placement: sites, objective, coverage before and after, a certified upper
/// bound and the gap, timings and the algorithm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Scenario name.
    pub scenario: String,
    /// The algorithm asked for.
    pub algorithm: Algorithm,
    /// The seed used.
    pub seed: u64,
    /// Fixed sites first, then the placed ones (`fixed == false`, ids `plan-<class>-<n>`).
    pub sites: Vec<Site>,
    /// Candidate index of each placed site (same order as the placed sites).
    pub candidate_indices: Vec<usize>,
    /// Sites per class.
    pub class_counts: Vec<ClassCount>,
    /// Cost of the placed sites.
    pub cost: f64,
    /// The scenario's budget, if any.
    pub budget: Option<f64>,
    /// Objective `Σ w·min(d, k)/k` (fixed sites included).
    pub objective: f64,
    /// Maximum achievable objective `Σ w` (every unit covered to its required depth).
    pub max_objective: f64,
    /// `objective / max_objective`.
    pub objective_fraction: f64,
    /// Objective of the fixed sites alone.
    pub objective_before: f64,
    /// Coverage per threat with the fixed sites alone.
    pub coverage_before: Vec<ThreatCoverage>,
    /// Coverage per threat with the plan.
    pub coverage_after: Vec<ThreatCoverage>,
    /// Certified upper bound on the best feasible objective.
    pub upper_bound: f64,
    /// `100 · (upper_bound − objective) / upper_bound`.
    pub gap_percent: f64,
    /// True when the MILP proved optimality.
    pub proven_optimal: bool,
    /// Timings.
    pub timings: PlanTimings,
    /// Marginal-gain evaluations.
    pub evaluations: u64,
    /// Number of candidates.
    pub n_candidates: usize,
    /// Number of demand units (samples × layers).
    pub n_units: usize,
    /// Coverage-matrix non-zeros.
    pub matrix_nonzeros: usize,
    /// Solver statistics.
    pub stats: SolveStats,
    /// Typed remarks: every way in which this plan is less than the caller asked for.
    pub diagnostics: Vec<crate::diagnostic::Diagnostic>,
}

/// The placement planner: builder-style options, then [`plan`](Self::plan).
///
/// Defaults: [`Algorithm::GreedyLocalSearch`], a 120 s time limit (a safety net), seed 0. The work limits
/// ([`max_passes`](Self::max_passes), [`perturbations`](Self::perturbations),
/// [`bound_iterations`](Self::bound_iterations)) decide the plan, so the same inputs and seed
/// give the same plan and bound on any machine and thread count; the time limit is a safety
/// net, and a plan it cut short carries a warning diagnostic
/// ([`codes::PLACEMENT_GREEDY_TIME_LIMIT`], [`codes::PLACEMENT_LOCAL_SEARCH_TIME_LIMIT`],
/// [`codes::PLACEMENT_BOUND_TIME_LIMIT`],
/// [`codes::PLACEMENT_MILP_TIME_LIMIT`]).
///
/// # Examples
/// ```
/// use skycover::placement::Planner;
/// use skycover::Scenario;
/// let mut scenario = Scenario::builtin("kyiv")?;
/// scenario.settings_mut().grid_resolution_m = 5_000.0;
/// scenario.settings_mut().candidate_spacing_m = 15_000.0;
/// let planner = Planner::new(&scenario).seed(7);
/// let model = planner.model()?; // build once
/// let plan = planner.plan_model(&model)?; // solve (as often as needed)
/// assert_eq!(plan.n_candidates, model.candidates.len());
/// let placed = plan.sites.iter().filter(|s| !s.fixed).count();
/// assert!(placed <= 2 + 6 + 16);
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Planner<'a> {
    scenario: &'a Scenario,
    options: SolveOptions,
    terrain: Terrain,
    /// Remarks on the scenario's own terrain, carried into the plan while it is used.
    terrain_notes: Vec<crate::diagnostic::Diagnostic>,
    viewshed_cache: Option<std::sync::Arc<crate::terrain::ViewshedCache>>,
    min_height_cache: Option<std::sync::Arc<crate::terrain::MinHeightCache>>,
}

impl<'a> Planner<'a> {
    /// A planner for `scenario` with default options, over **the scenario's own terrain**
    /// ([`Scenario::terrain`]; [`terrain`](Self::terrain) overrides it). The plan carries the
    /// scenario's terrain remarks ([`Scenario::terrain_diagnostics`]) in its diagnostics.
    pub fn new(scenario: &'a Scenario) -> Planner<'a> {
        Planner {
            scenario,
            options: SolveOptions::default(),
            terrain: scenario.terrain().clone(),
            terrain_notes: scenario.terrain_diagnostics(scenario.sites()),
            viewshed_cache: None,
            min_height_cache: None,
        }
    }

    /// Plans over `terrain` instead of the scenario's own ([`Terrain::Flat`] for flat
    /// ground): a candidate (or fixed site) covers a
    /// (sample, layer) unit only where its footprint covers the sample **and** the sample is
    /// visible from it, by the rule of
    /// [`Coverage::evaluate_with_terrain`](crate::Coverage::evaluate_with_terrain) (see
    /// [`matrix::build_scenario_matrix_with_terrain`]). The plan's objective and per-threat
    /// coverage are then those the terrain-aware evaluation gives its sites, and placement
    /// prefers ground that sees the demand (hills over valleys for low layers) by itself.
    /// [`Terrain::Flat`] gives exactly the flat plans.
    ///
    /// # Examples
    /// ```
    /// use skycover::placement::Planner;
    /// use skycover::terrain::Terrain;
    /// use skycover::Scenario;
    /// use std::time::Duration;
    ///
    /// let mut scenario = Scenario::builtin("kyiv")?;
    /// scenario.settings_mut().grid_resolution_m = 5_000.0;
    /// scenario.settings_mut().candidate_spacing_m = 15_000.0;
    /// let terrain = Terrain::for_builtin_scenario(&scenario, 1_000.0)?;
    /// let plan = Planner::new(&scenario)
    ///     .terrain(terrain)
    ///     .time_limit(Duration::from_secs(2))
    ///     .plan()?;
    /// assert!(plan.objective >= plan.objective_before);
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn terrain(mut self, terrain: Terrain) -> Self {
        self.terrain = terrain;
        self.terrain_notes.clear();
        self
    }

    /// Takes the candidates' terrain viewsheds from `cache` (and stores new ones in it) when it
    /// serves the planner's terrain and the scenario's demand grid (see
    /// [`matrix::build_scenario_matrix_cached`]); the plan is the same with or without it.
    /// Give the same cache to
    /// [`Evaluator::with_viewshed_cache`](crate::evaluate::Evaluator::with_viewshed_cache) to
    /// evaluate the plan without sweeping its sites again.
    pub fn viewshed_cache(mut self, cache: std::sync::Arc<crate::terrain::ViewshedCache>) -> Self {
        self.viewshed_cache = Some(cache);
        self
    }

    /// Reads the candidates' (and fixed sites') terrain masks from the per-cell minimum visible
    /// heights in `cache` (one sweep per site, keyed only by the site, the terrain and the
    /// grid; see [`matrix::build_scenario_matrix_min_heights`]) when it serves the planner's
    /// terrain and the scenario's demand grid; it takes precedence over a
    /// [viewshed cache](Self::viewshed_cache) (not used with sensor netting). Give the same
    /// cache to
    /// [`Evaluator::with_min_height_cache`](crate::evaluate::Evaluator::with_min_height_cache)
    /// to evaluate the plan with comparisons only and the same objective. Masks are
    /// conservative against the swept ones (knife-edge cells only; see
    /// [`MinHeightMap`](crate::terrain::MinHeightMap)): the plan says so with
    /// `placement.min_height_masks`, and with `placement.min_height_cache_unused` when
    /// netting keeps the cache out.
    pub fn min_height_cache(
        mut self,
        cache: std::sync::Arc<crate::terrain::MinHeightCache>,
    ) -> Self {
        self.min_height_cache = Some(cache);
        self
    }

    /// Sets the algorithm.
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.options.algorithm = algorithm;
        self
    }

    /// Sets the time limit of the solve (local search, bound and MILP together). Any duration
    /// is accepted: one beyond the clock's range (up to [`Duration::MAX`]) means no time limit
    /// (the work limits decide) and never overflows.
    pub fn time_limit(mut self, limit: Duration) -> Self {
        self.options.time_limit = limit;
        self
    }

    /// Sets the seed of the local search.
    pub fn seed(mut self, seed: u64) -> Self {
        self.options.seed = seed;
        self
    }

    /// Sets the maximum number of local search passes.
    pub fn max_passes(mut self, passes: u32) -> Self {
        self.options.max_passes = passes;
        self
    }

    /// Sets the number of perturbation rounds of the iterated local search (0: plain swap
    /// descent).
    pub fn perturbations(mut self, rounds: u32) -> Self {
        self.options.perturbations = rounds;
        self
    }

    /// Sets the maximum number of subgradient iterations of the bound.
    pub fn bound_iterations(mut self, iterations: u32) -> Self {
        self.options.bound_iterations = iterations;
        self
    }

    /// The solve options.
    pub fn options(&self) -> &SolveOptions {
        &self.options
    }

    /// Builds the placement model: demand, candidates, coverage matrix and constraints.
    ///
    /// # Errors
    /// [`crate::Error::ResourceLimit`] when the demand grid, the candidates or the matrix
    /// would exceed the scenario's limits.
    pub fn model(&self) -> Result<PlacementModel> {
        let s = self.scenario;
        let t = Instant::now();
        let demand = Demand::from_scenario(s)?;
        let demand_s = t.elapsed().as_secs_f64();
        self.model_with_demand(demand, demand_s)
    }

    /// [`model`](Self::model) with demand already discretised.
    ///
    /// # Errors
    /// As [`model`](Self::model).
    pub fn model_with_demand(&self, demand: Demand, demand_s: f64) -> Result<PlacementModel> {
        let s = self.scenario;
        let cat = s.catalogue();
        explain::check_scenario_ids(s)?;
        explain::check_demand(s, &demand)?;
        let mut limits = s.settings().limits;
        limits.max_matrix_nonzeros = limits
            .max_matrix_nonzeros
            .min(crate::validate::MAX_MATRIX_NONZEROS_CEILING);
        let t = Instant::now();
        let (candidates, rule_counts) = candidates::scenario_candidates_with_counts(s)?;
        explain::check_placeable(s, &candidates, &rule_counts)?;
        let fixed: Vec<Site> = s.sites().iter().filter(|x| x.fixed).cloned().collect();
        let conflicts = candidates::spacing_conflicts(s, &candidates, limits.max_matrix_nonzeros)?;
        let rules = candidates::support_rules(s, &candidates);
        let mut notes = demand.diagnostics().to_vec();
        notes.extend(support_notes(s, &candidates, &rules));
        let candidates_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let sites: Vec<Site> = candidates.iter().map(|c| c.site.clone()).collect();
        // sensor netting: the conservative separable model (matrix/netted.rs)
        let build = if s.threat_setup().netting {
            notes.push(netting_note());
            matrix::build_scenario_matrix_netted
        } else {
            matrix::build_scenario_matrix_cached
        };
        let (matrix, layout) = match (&self.min_height_cache, s.threat_setup().netting) {
            (Some(h), false) => {
                notes.push(Diagnostic::info(
                    crate::diagnostic::codes::PLACEMENT_MIN_HEIGHT_MASKS,
                    "terrain masks from the minimum-height cache: conservative at knife-edge \
                     cells (a unit within the maps' slack of the sight line may be left out)",
                ));
                matrix::build_scenario_matrix_min_heights(
                    cat,
                    &demand,
                    &sites,
                    &fixed,
                    limits.max_matrix_nonzeros,
                    &self.terrain,
                    h,
                )?
            }
            (cache, netting) => {
                if cache.is_some() && netting {
                    notes.push(Diagnostic::info(
                        crate::diagnostic::codes::PLACEMENT_MIN_HEIGHT_CACHE_UNUSED,
                        "the minimum-height cache is not used with sensor netting: the netted \
                         model sweeps its own viewsheds",
                    ));
                }
                build(
                    cat,
                    &demand,
                    &sites,
                    &fixed,
                    limits.max_matrix_nonzeros,
                    &self.terrain,
                    self.viewshed_cache.as_deref(),
                )?
            }
        };
        let matrix_s = t.elapsed().as_secs_f64();
        let n_classes = cat.systems().len();
        let mut capacities = vec![0u32; n_classes];
        let mut unit_cost = vec![0.0f64; n_classes];
        for item in s.inventory() {
            capacities[item.class.0] = item.count;
            unit_cost[item.class.0] = item.unit_cost;
        }
        let groups: Vec<usize> = candidates.iter().map(|c| c.site.class.0).collect();
        let costs: Vec<f64> = candidates
            .iter()
            .map(|c| unit_cost[c.site.class.0])
            .collect();
        let problem = CoveringProblem::new(matrix, 0)
            .with_groups(groups, capacities)?
            .with_group_names(cat.systems().iter().map(|c| c.id.clone()).collect())?
            .with_costs(costs, s.budget())?
            .with_conflicts(conflicts)?
            .with_support_rules(rules)?;
        Ok(PlacementModel {
            demand,
            candidates,
            fixed,
            problem,
            layout,
            demand_s,
            candidates_s,
            matrix_s,
            diagnostics: notes,
            rule_counts,
            catalogue_fingerprint: cat.fingerprint(),
            scenario_fingerprint: explain::scenario_fingerprint(s),
        })
    }

    /// Builds the model and solves it.
    ///
    /// # Errors
    /// As [`model`](Self::model) and [`covering::solve`]: [`crate::Error::ResourceLimit`],
    /// [`crate::Error::Infeasible`] (e.g. fixed sites whose mutual support the inventory cannot
    /// provide), [`crate::Error::Solver`].
    pub fn plan(&self) -> Result<Plan> {
        let model = self.model()?;
        self.plan_model(&model)
    }

    /// Solves a model built by [`model`](Self::model).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the model was built from another scenario or catalogue
    /// (its fingerprints differ from this planner's scenario) or is internally inconsistent
    /// (fields edited by hand); otherwise as [`covering::solve`].
    pub fn plan_model(&self, model: &PlacementModel) -> Result<Plan> {
        explain::check_model(self.scenario, model)?;
        let solution = covering::solve(&model.problem, &self.options)?;
        Ok(self.make_plan(model, solution))
    }

    /// Turns a solution of the model's problem into a plan.
    fn make_plan(&self, model: &PlacementModel, sol: Solution) -> Plan {
        let s = self.scenario;
        let cat = s.catalogue();
        let n_classes = cat.systems().len();
        let mut per_class_n = vec![0u32; n_classes];
        let mut sites: Vec<Site> = model.fixed.clone();
        for &c in &sol.chosen {
            let mut site = model.candidates[c].site.clone();
            let k = site.class.0;
            per_class_n[k] += 1;
            site.id = Some(format!(
                "plan-{}-{}",
                cat.class(site.class).id,
                per_class_n[k]
            ));
            site.fixed = false;
            sites.push(site);
        }
        let class_counts = cat
            .classes()
            .map(|(id, class)| {
                let inv = s.inventory_of(id);
                ClassCount {
                    class: class.id.clone(),
                    fixed: model.fixed.iter().filter(|f| f.class == id).count() as u32,
                    placed: per_class_n[id.0],
                    available: inv.map_or(0, |i| i.count),
                    unit_cost: inv.map_or(class.unit_cost, |i| i.unit_cost),
                }
            })
            .collect();
        let cost = sol.chosen.iter().map(|&c| model.problem.cost(c)).sum();
        let m = model.problem.matrix();
        let before = threat_coverage(s, model, m.initial());
        let mut after = threat_coverage(s, model, &m.depths_of(&sol.chosen));
        let mut netted_notes = Vec::new();
        if s.threat_setup().netting {
            // the plan evaluated with full netting (≥ the conservative model)
            after = netted_after(s, model, &self.terrain, &sol, after, &mut netted_notes);
        }
        let max = sol.max_objective;
        let mut diagnostics = self.terrain_notes.clone();
        diagnostics.extend(model.diagnostics.iter().cloned());
        diagnostics.extend(sol.diagnostics.iter().cloned());
        diagnostics.extend(netted_notes);
        diagnostics.extend(explain::unplaced(s, model, &sol, &per_class_n));
        Plan {
            scenario: s.name().to_string(),
            algorithm: sol.algorithm,
            seed: self.options.seed,
            sites,
            candidate_indices: sol.chosen.clone(),
            class_counts,
            cost,
            budget: s.budget(),
            objective: sol.objective,
            max_objective: max,
            objective_fraction: if max > 0.0 { sol.objective / max } else { 0.0 },
            objective_before: sol.initial_objective,
            coverage_before: before,
            coverage_after: after,
            upper_bound: sol.upper_bound,
            gap_percent: sol.gap_percent,
            proven_optimal: sol.proven_optimal,
            timings: PlanTimings {
                demand_s: model.demand_s,
                candidates_s: model.candidates_s,
                matrix_s: model.matrix_s,
                greedy_s: sol.stats.greedy_s,
                local_search_s: sol.stats.local_search_s,
                bound_s: sol.stats.bound_s,
                milp_s: sol.stats.milp_s,
                solve_s: sol.stats.total_s,
            },
            evaluations: sol.stats.evaluations,
            n_candidates: model.candidates.len(),
            n_units: m.n_units(),
            matrix_nonzeros: m.nnz(),
            stats: sol.stats,
            diagnostics,
        }
    }
}

/// The `placement.netting_conservative` note of a netted model.
fn netting_note() -> Diagnostic {
    Diagnostic::info(
        crate::diagnostic::codes::PLACEMENT_NETTING_CONSERVATIVE,
        "sensor netting: the placement model counts a candidate's weapon where its own sensor or an existing site's sensor tracks, not another new site's; the plan's coverage_after is its full netted evaluation, which can only be higher",
    )
}

/// The plan's `coverage_after` under netting: the netted evaluation of fixed + chosen sites
/// over the model's demand (the model's own figures if that evaluation fails, with a warning).
fn netted_after(
    s: &Scenario,
    model: &PlacementModel,
    terrain: &Terrain,
    sol: &Solution,
    model_after: Vec<ThreatCoverage>,
    notes: &mut Vec<Diagnostic>,
) -> Vec<ThreatCoverage> {
    let mut sites = model.fixed.clone();
    sites.extend(sol.chosen.iter().map(|&c| model.candidates[c].site.clone()));
    let eval = crate::Evaluator::new()
        .with_terrain(terrain.clone())
        .with_netting(true);
    match eval.depths(s.catalogue(), &model.demand, &sites) {
        Ok(d) => {
            let m = model.problem.matrix();
            notes.push(Diagnostic::info(
                crate::diagnostic::codes::PLACEMENT_NETTING_CONSERVATIVE,
                format!(
                    "netted evaluation of the plan: objective {:.4} (model, conservative: {:.4})",
                    m.value_of_depths(d.as_slice()),
                    sol.objective
                ),
            ));
            threat_coverage(s, model, d.as_slice())
        }
        Err(e) => {
            notes.push(Diagnostic::warning(
                crate::diagnostic::codes::PLACEMENT_NETTING_CONSERVATIVE,
                format!("netted evaluation of the plan failed ({e}): coverage_after is the conservative model's"),
            ));
            model_after
        }
    }
}

/// Notes for protected classes whose candidates no supporting candidate can reach.
fn support_notes(s: &Scenario, candidates: &[Candidate], rules: &[SupportRule]) -> Vec<Diagnostic> {
    let Some(ms) = s.mutual_support() else {
        return Vec::new();
    };
    let cat = s.catalogue();
    let mut notes = Vec::new();
    for &class in &ms.protected {
        let of_class = candidates.iter().filter(|c| c.site.class == class).count();
        if of_class == 0 {
            continue;
        }
        let reachable = rules
            .iter()
            .filter(|r| {
                r.protected
                    .is_some_and(|c| candidates[c].site.class == class)
            })
            .filter(|r| r.protectors.len() >= r.need as usize)
            .count();
        let unconstrained = of_class
            - rules
                .iter()
                .filter(|r| {
                    r.protected
                        .is_some_and(|c| candidates[c].site.class == class)
                })
                .count();
        if reachable + unconstrained == 0 {
            notes.push(
                Diagnostic::warning(
                    codes::PLACEMENT_SUPPORT_UNREACHABLE,
                    format!(
                        "mutual support: no {} candidate can be reached by enough {} \
                         candidates, so none can be placed (check class_spacing_m and \
                         min_site_spacing_m against the {} range)",
                        cat.class(class).id,
                        cat.class(ms.by_class).id,
                        cat.class(ms.by_class).id
                    ),
                )
                .with_field("mutual_support"),
            );
        }
    }
    notes
}

/// Per-threat coverage from unit depths.
fn threat_coverage(s: &Scenario, model: &PlacementModel, depth: &[u8]) -> Vec<ThreatCoverage> {
    let cat = s.catalogue();
    let m = model.problem.matrix();
    let (w, k) = (m.weights(), m.required());
    let lay = model.layout;
    let sw = model.demand.weights();
    cat.threats()
        .iter()
        .enumerate()
        .map(|(ti, t)| {
            let layers: Vec<usize> = cat
                .layers()
                .iter()
                .filter(|l| l.threat.0 == ti)
                .map(|l| l.index)
                .collect();
            let (mut num, mut den) = (0.0, 0.0);
            for &l in &layers {
                for smp in 0..lay.n_samples {
                    let u = lay.unit(l, smp);
                    num += w[u] * f64::from(depth[u].min(k[u])) / f64::from(k[u]);
                    den += w[u];
                }
            }
            let (mut cov, mut tot) = (0.0, 0.0);
            for (smp, &ws) in sw.iter().enumerate() {
                tot += ws;
                if layers.iter().all(|&l| {
                    let u = lay.unit(l, smp);
                    depth[u] >= k[u]
                }) {
                    cov += ws;
                }
            }
            ThreatCoverage {
                threat: t.id.clone(),
                covered_fraction: if tot > 0.0 { cov / tot } else { 0.0 },
                score: if den > 0.0 { num / den } else { 0.0 },
            }
        })
        .collect()
}
