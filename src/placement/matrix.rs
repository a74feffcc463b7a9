//! The sparse coverage matrix: for each candidate, the sorted demand units it covers.
//!
//! A **demand unit** is what the objective counts: in a scenario, one (sample, layer) pair; in
//! the generic API ([`crate::placement::covering`]), whatever the caller says. Each unit has a
//! weight `w ≥ 0`, a required depth `k ≥ 1` and an initial depth (coverage already provided by
//! fixed sites). Each candidate holds the sorted list of units it covers.
//!
//! # Memory
//!
//! The matrix is stored in compressed sparse row form: one `u32` unit index per non-zero plus
//! one `usize` offset per candidate, that is **4 bytes per non-zero** plus 8 bytes per candidate
//! (and 10 bytes per unit for weight, required and initial depth). Nothing proportional to
//! units × candidates is ever allocated. Local search and the MILP additionally build the
//! transpose (unit → candidates), another 4 bytes per non-zero plus 8 bytes per unit.
//!
//! # Building from a scenario
//!
//! [`build_scenario_matrix`] puts the demand sample positions in an R-tree (rstar, bulk-loaded),
//! queries it with each candidate footprint's bounding box and keeps the samples that pass the
//! exact [`Footprint::covers`] predicate, the same one every evaluation path uses. Candidates are
//! processed in parallel with rayon and collected in index order, so the matrix is identical on
//! any number of threads.

use crate::catalogue::Catalogue;
use crate::demand::Demand;
use crate::error::{Error, Result};
use crate::evaluate::masks::Masks;
use crate::scenario::MAX_REQUIRED_DEPTH;
use crate::site::Site;
use crate::terrain::{MinHeightCache, Terrain, ViewshedCache};
use crate::volume::Footprint;
use rayon::prelude::*;
use rstar::primitives::GeomWithData;
use rstar::{RTree, AABB};
use std::sync::atomic::{AtomicU64, Ordering};

mod netted;
pub(crate) use netted::build_scenario_matrix_netted;

/// A sparse coverage matrix: demand units (weight, required depth, initial depth) and, per
/// candidate, the sorted list of units it covers. See the [module docs](self).
///
/// # Examples
/// ```
/// use skycover::placement::CoverageMatrix;
/// // three units, two candidates
/// let m = CoverageMatrix::from_sets(vec![1.0, 2.0, 3.0], &[vec![0, 1], vec![2, 1]])?;
/// assert_eq!(m.n_units(), 3);
/// assert_eq!(m.try_units_of(1)?, &[1, 2]); // sorted
/// assert!(m.try_units_of(2).is_err()); // no third candidate
/// assert_eq!(m.nnz(), 4);
/// assert_eq!(m.objective_of(&[1]), 5.0);
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageMatrix {
    weights: Vec<f64>,
    required: Vec<u8>,
    initial: Vec<u8>,
    offsets: Vec<usize>,
    units: Vec<u32>,
}

/// The transpose of a [`CoverageMatrix`]: for each unit, the sorted candidates covering it.
#[derive(Debug, Clone)]
pub(crate) struct Transposed {
    pub(crate) offsets: Vec<usize>,
    pub(crate) candidates: Vec<u32>,
}

impl Transposed {
    #[inline]
    pub(crate) fn of(&self, u: usize) -> &[u32] {
        &self.candidates[self.offsets[u]..self.offsets[u + 1]]
    }
}

impl CoverageMatrix {
    /// An empty matrix (no candidates yet) over units with these weights, each requiring
    /// depth 1 and starting uncovered.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a negative or non-finite weight, or more than `u32::MAX`
    /// units.
    pub fn new(weights: Vec<f64>) -> Result<CoverageMatrix> {
        if weights.len() as u64 > u32::MAX as u64 {
            return Err(Error::InvalidInput {
                what: "coverage matrix units".into(),
                reason: format!("{} units, at most {} supported", weights.len(), u32::MAX),
            });
        }
        if let Some(i) = weights.iter().position(|w| !w.is_finite() || *w < 0.0) {
            return Err(Error::InvalidInput {
                what: format!("weight of unit {i}"),
                reason: format!("{} must be finite and ≥ 0", weights[i]),
            });
        }
        let n = weights.len();
        Ok(CoverageMatrix {
            weights,
            required: vec![1; n],
            initial: vec![0; n],
            offsets: vec![0],
            units: Vec::new(),
        })
    }

    /// A matrix from unit weights and, per candidate, the units it covers (any order,
    /// duplicates ignored).
    ///
    /// # Errors
    /// As [`new`](Self::new) and [`push_candidate`](Self::push_candidate).
    pub fn from_sets(weights: Vec<f64>, sets: &[Vec<usize>]) -> Result<CoverageMatrix> {
        let mut m = CoverageMatrix::new(weights)?;
        m.units.reserve(sets.iter().map(Vec::len).sum());
        for s in sets {
            m.push_candidate(s.iter().copied())?;
        }
        Ok(m)
    }

    /// Sets the required depth `k` of every unit (1 to 8).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a length mismatch or a depth outside 1..=8.
    pub fn with_required_depth(mut self, required: Vec<u8>) -> Result<CoverageMatrix> {
        self.check_len(required.len(), "required depths")?;
        if let Some(i) = required
            .iter()
            .position(|&k| k == 0 || k > MAX_REQUIRED_DEPTH)
        {
            return Err(Error::InvalidInput {
                what: format!("required depth of unit {i}"),
                reason: format!("{} is outside 1..={MAX_REQUIRED_DEPTH}", required[i]),
            });
        }
        self.required = required;
        Ok(self)
    }

    /// Sets the same required depth `k` (1 to 8) for every unit.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a depth outside 1..=8.
    pub fn with_uniform_depth(self, k: u8) -> Result<CoverageMatrix> {
        let n = self.n_units();
        self.with_required_depth(vec![k; n])
    }

    /// Sets the initial depth of every unit: how many fixed (already deployed) systems cover it.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a length mismatch.
    pub fn with_initial_depth(mut self, initial: Vec<u8>) -> Result<CoverageMatrix> {
        self.check_len(initial.len(), "initial depths")?;
        self.initial = initial;
        Ok(self)
    }

    fn check_len(&self, len: usize, what: &str) -> Result<()> {
        if len != self.n_units() {
            return Err(Error::InvalidInput {
                what: what.into(),
                reason: format!("{len} values for {} units", self.n_units()),
            });
        }
        Ok(())
    }

    /// Appends a candidate covering `units` (any order, duplicates ignored) and returns its
    /// index.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a unit index out of range.
    pub fn push_candidate<I: IntoIterator<Item = usize>>(&mut self, units: I) -> Result<usize> {
        let start = self.units.len();
        let n = self.n_units();
        for u in units {
            if u >= n {
                self.units.truncate(start);
                return Err(Error::InvalidInput {
                    what: format!("candidate {}", self.n_candidates()),
                    reason: format!("unit {u} out of range (there are {n} units)"),
                });
            }
            self.units.push(u as u32);
        }
        let row = &mut self.units[start..];
        if !row.windows(2).all(|w| w[0] < w[1]) {
            row.sort_unstable();
            let mut k = 0;
            for i in 0..row.len() {
                if i == 0 || row[i] != row[k - 1] {
                    row[k] = row[i];
                    k += 1;
                }
            }
            self.units.truncate(start + k);
        }
        self.offsets.push(self.units.len());
        Ok(self.offsets.len() - 2)
    }

    /// Appends a candidate whose units are already sorted and unique (internal fast path).
    pub(crate) fn push_sorted(&mut self, units: &[u32]) {
        self.units.extend_from_slice(units);
        self.offsets.push(self.units.len());
    }

    /// Number of demand units.
    pub fn n_units(&self) -> usize {
        self.weights.len()
    }

    /// Number of candidates.
    pub fn n_candidates(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Number of non-zeros (candidate, unit) pairs.
    pub fn nnz(&self) -> usize {
        self.units.len()
    }

    /// Bytes used by the matrix (4 per non-zero, 8 per candidate, 10 per unit).
    pub fn memory_bytes(&self) -> usize {
        self.units.len() * 4 + self.offsets.len() * 8 + self.weights.len() * 10
    }

    /// The sorted units candidate `c` covers (the crate's hot path: `c < n_candidates()`).
    #[inline]
    pub(crate) fn units_of(&self, c: usize) -> &[u32] {
        &self.units[self.offsets[c]..self.offsets[c + 1]]
    }

    /// The sorted units candidate `c` covers.
    ///
    /// # Errors
    /// [`crate::Error::InvalidInput`] when `c >= n_candidates()`.
    pub fn try_units_of(&self, c: usize) -> crate::Result<&[u32]> {
        match (self.offsets.get(c), self.offsets.get(c + 1)) {
            (Some(&a), Some(&b)) => Ok(self.units.get(a..b).unwrap_or(&[])),
            _ => Err(crate::Error::InvalidInput {
                what: "CoverageMatrix::try_units_of: candidate".into(),
                reason: format!(
                    "candidate {c} is out of range (the matrix has {} candidates)",
                    self.offsets.len().saturating_sub(1)
                ),
            }),
        }
    }

    /// Unit weights.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Required depth per unit.
    pub fn required(&self) -> &[u8] {
        &self.required
    }

    /// Initial depth per unit (coverage by fixed sites).
    pub fn initial(&self) -> &[u8] {
        &self.initial
    }

    /// The largest possible objective: every unit covered to its required depth, `Σ w`.
    pub fn max_objective(&self) -> f64 {
        self.weights.iter().sum()
    }

    /// The objective with no candidate chosen (fixed sites only).
    pub fn initial_objective(&self) -> f64 {
        self.value_of_depths(&self.initial)
    }

    /// `Σ w·min(d, k)/k` over units for depths `d`.
    pub(crate) fn value_of_depths(&self, depth: &[u8]) -> f64 {
        self.weights
            .iter()
            .zip(&self.required)
            .zip(depth)
            .map(|((&w, &k), &d)| w * f64::from(d.min(k)) / f64::from(k))
            .sum()
    }

    /// Depth per unit when the candidates in `chosen` are placed on top of the fixed sites
    /// (saturating at 255). Candidate indices out of range are ignored.
    pub fn depths_of(&self, chosen: &[usize]) -> Vec<u8> {
        let mut depth = self.initial.clone();
        for &c in chosen {
            if c < self.n_candidates() {
                for &u in self.units_of(c) {
                    let d = &mut depth[u as usize];
                    *d = d.saturating_add(1);
                }
            }
        }
        depth
    }

    /// The objective `Σ w·min(d, k)/k` of placing `chosen` (a reference implementation: one
    /// pass over the chosen candidates' units, then over all units).
    pub fn objective_of(&self, chosen: &[usize]) -> f64 {
        self.value_of_depths(&self.depths_of(chosen))
    }

    /// Builds the transpose (unit → sorted candidates).
    pub(crate) fn transpose(&self) -> Transposed {
        let n = self.n_units();
        let mut counts = vec![0usize; n + 1];
        for &u in &self.units {
            counts[u as usize + 1] += 1;
        }
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let offsets = counts.clone();
        let mut fill = counts;
        let mut candidates = vec![0u32; self.units.len()];
        for c in 0..self.n_candidates() {
            for &u in self.units_of(c) {
                let slot = &mut fill[u as usize];
                candidates[*slot] = c as u32;
                *slot += 1;
            }
        }
        Transposed {
            offsets,
            candidates,
        }
    }
}

/// How demand units of a scenario are numbered: unit = `layer · n_samples + sample`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitLayout {
    /// Number of demand samples.
    pub n_samples: usize,
    /// Number of layers (the catalogue's, in order).
    pub n_layers: usize,
}

impl UnitLayout {
    /// The unit of `sample` on `layer`.
    #[inline]
    pub fn unit(&self, layer: usize, sample: usize) -> usize {
        layer * self.n_samples + sample
    }

    /// `(layer, sample)` of a unit.
    #[inline]
    pub fn split(&self, unit: usize) -> (usize, usize) {
        (unit / self.n_samples.max(1), unit % self.n_samples.max(1))
    }
}

type Indexed = GeomWithData<[f64; 2], u32>;

/// The units a site covers, sorted: for each layer in order, the samples its footprint covers
/// and, with terrain `masks`, that are visible from the site (site `mask_index` of the masks).
fn covered_units(
    catalogue: &Catalogue,
    tree: &RTree<Indexed>,
    positions: &[[f64; 2]],
    layout: UnitLayout,
    site: &Site,
    masks: Option<(&Masks, usize)>,
    out: &mut Vec<u32>,
) {
    let mut row: Vec<u32> = Vec::new();
    let terrain = masks.map_or(&Terrain::Flat, |(m, _)| m.terrain());
    for layer in catalogue.layers() {
        let fp = Footprint::new_over(catalogue, site, layer, terrain);
        if fp.is_empty() {
            continue;
        }
        let b = fp.bbox();
        let env = AABB::from_corners([b[0], b[1]], [b[2], b[3]]);
        row.clear();
        for p in tree.locate_in_envelope(&env) {
            let s = p.data as usize;
            if fp.covers(positions[s])
                && masks.map_or(true, |(m, i)| m.visible(i, layer.index, s, positions[s]))
            {
                row.push(p.data);
            }
        }
        row.sort_unstable();
        let base = (layer.index * layout.n_samples) as u32;
        out.extend(row.iter().map(|&s| base + s));
    }
}

/// Rough number of non-zeros a site would contribute: footprint area × sample density.
fn estimate_nnz(catalogue: &Catalogue, site: &Site, density_per_m2: f64, terrain: &Terrain) -> f64 {
    catalogue
        .layers()
        .iter()
        .map(|l| Footprint::new_over(catalogue, site, l, terrain).area_m2() * density_per_m2)
        .sum()
}

/// Builds the scenario coverage matrix: units are (sample, layer) pairs numbered by
/// [`UnitLayout`], weight = sample weight × [`Catalogue::layer_weight`], required depth = the
/// sample's required depth against the layer's threat, initial depth = number of `fixed` sites
/// covering the unit; one candidate row per entry of `candidates`. Flat terrain: see
/// [`build_scenario_matrix_with_terrain`] for masking by terrain.
///
/// # Complexity
/// O(S log S) to bulk-load the R-tree of S samples, then per candidate and layer an R-tree
/// query plus one [`Footprint::covers`] test per sample in the footprint's bounding box.
///
/// # Errors
/// [`Error::ResourceLimit`] when the matrix would exceed `max_nonzeros` non-zeros: checked on
/// an estimate (footprint areas × sample density) before allocating, then on the exact count
/// while building. [`Error::InvalidInput`] when there are more than `u32::MAX` units.
pub fn build_scenario_matrix(
    catalogue: &Catalogue,
    demand: &Demand,
    candidates: &[Site],
    fixed: &[Site],
    max_nonzeros: u64,
) -> Result<(CoverageMatrix, UnitLayout)> {
    let terrain = &Terrain::Flat;
    let masks = MaskSource::Sweep {
        terrain,
        cache: None,
    };
    build_masked(catalogue, demand, candidates, fixed, max_nonzeros, masks)
}

/// [`build_scenario_matrix`] over `terrain`: a site covers a unit iff its footprint covers the
/// sample **and** the sample is visible from the site on the unit's layer, by the same rule
/// (and the same code) as [`Coverage::evaluate_with_terrain`](crate::Coverage::evaluate_with_terrain):
/// grid samples through the site's [`Viewshed`](crate::Viewshed) on the demand grid, point
/// samples through the exact [`line_of_sight`](crate::terrain::line_of_sight). So the
/// objective of any set of candidates read from the matrix equals the one recomputed by
/// evaluating those sites with terrain. Fixed sites' initial depths are masked too. With
/// [`Terrain::Flat`] this is exactly [`build_scenario_matrix`].
///
/// # Complexity
/// As [`build_scenario_matrix`], plus one viewshed sweep per candidate (and fixed site) per
/// distinct layer altitude ([`Viewshed::compute_many`](crate::Viewshed::compute_many)), and
/// one line of sight per point sample in a footprint. Candidates are processed in parallel;
/// each candidate's viewsheds are dropped once its row is built.
///
/// # Errors
/// As [`build_scenario_matrix`] (the non-zero estimate uses the terrain-aware footprints and
/// ignores masking, which only removes coverage), and as [`Viewshed::compute_many`](crate::Viewshed::compute_many) (a sweep
/// beyond [`MAX_VIEWSHED_SAMPLES`](crate::terrain::MAX_VIEWSHED_SAMPLES)).
pub fn build_scenario_matrix_with_terrain(
    catalogue: &Catalogue,
    demand: &Demand,
    candidates: &[Site],
    fixed: &[Site],
    max_nonzeros: u64,
    terrain: &Terrain,
) -> Result<(CoverageMatrix, UnitLayout)> {
    let masks = MaskSource::Sweep {
        terrain,
        cache: None,
    };
    build_masked(catalogue, demand, candidates, fixed, max_nonzeros, masks)
}

/// [`build_scenario_matrix_with_terrain`] taking the viewsheds from `cache` (and storing new
/// ones in it) when it [serves](crate::terrain::ViewshedCache::serves) `terrain` and the
/// demand grid: the same matrix, since a viewshed is a pure function of its key. Share the
/// cache with [`Evaluator::with_viewshed_cache`](crate::evaluate::Evaluator::with_viewshed_cache)
/// to evaluate the chosen sites without sweeping again.
///
/// # Errors
/// As [`build_scenario_matrix_with_terrain`].
pub fn build_scenario_matrix_cached(
    catalogue: &Catalogue,
    demand: &Demand,
    candidates: &[Site],
    fixed: &[Site],
    max_nonzeros: u64,
    terrain: &Terrain,
    cache: Option<&ViewshedCache>,
) -> Result<(CoverageMatrix, UnitLayout)> {
    let masks = MaskSource::Sweep { terrain, cache };
    build_masked(catalogue, demand, candidates, fixed, max_nonzeros, masks)
}

/// [`build_scenario_matrix_with_terrain`] reading every site's masks from its per-cell
/// minimum visible heights in `heights` ([`MinHeightMap`](crate::terrain::MinHeightMap): one
/// sweep per site, keyed only by the site, the terrain and the grid; computed into the cache on
/// first use) when the cache [serves](crate::terrain::MinHeightCache::serves) `terrain` and the
/// demand grid (otherwise exactly [`build_scenario_matrix_with_terrain`]). Share the cache with
/// [`Evaluator::with_min_height_cache`](crate::evaluate::Evaluator::with_min_height_cache):
/// the evaluation of the chosen sites then costs comparisons only and gives the objective the
/// matrix gives. The grid masks are **conservative** against the swept viewsheds (a unit may
/// be missing only for a cell whose sight margin is below
/// [`MIN_HEIGHT_SLACK_M`](crate::terrain::MIN_HEIGHT_SLACK_M) plus the `f32` rounding of its
/// minimum height; never an extra unit).
///
/// # Errors
/// As [`build_scenario_matrix_with_terrain`] and
/// [`MinHeightMap::compute`](crate::terrain::MinHeightMap::compute).
pub fn build_scenario_matrix_min_heights(
    catalogue: &Catalogue,
    demand: &Demand,
    candidates: &[Site],
    fixed: &[Site],
    max_nonzeros: u64,
    terrain: &Terrain,
    heights: &MinHeightCache,
) -> Result<(CoverageMatrix, UnitLayout)> {
    let masks = MaskSource::MinHeights { terrain, heights };
    build_masked(catalogue, demand, candidates, fixed, max_nonzeros, masks)
}

/// The terrain of a matrix build and where its masks come from (flat terrain: no mask).
#[derive(Debug, Clone, Copy)]
pub(crate) enum MaskSource<'a> {
    /// Swept viewsheds, taken from (and stored in) the cache when one is given and
    /// [serves](crate::terrain::ViewshedCache::serves) the terrain and the demand grid.
    Sweep {
        /// The terrain.
        terrain: &'a Terrain,
        /// The viewshed cache, if any.
        cache: Option<&'a ViewshedCache>,
    },
    /// Minimum visible heights from the cache (computed into it on first use) when it
    /// [serves](crate::terrain::MinHeightCache::serves) the terrain and the grid; swept
    /// viewsheds otherwise.
    MinHeights {
        /// The terrain.
        terrain: &'a Terrain,
        /// The minimum-height cache.
        heights: &'a MinHeightCache,
    },
}

/// The caches a [`MaskSource`] computes its masks with.
type Caches<'a> = (Option<&'a ViewshedCache>, Option<&'a MinHeightCache>);

impl<'a> MaskSource<'a> {
    /// The terrain.
    fn terrain(self) -> &'a Terrain {
        match self {
            MaskSource::Sweep { terrain, .. } | MaskSource::MinHeights { terrain, .. } => terrain,
        }
    }

    /// The (viewshed cache, minimum-height cache) pair the masks are computed with.
    fn caches(self) -> Caches<'a> {
        match self {
            MaskSource::Sweep { cache, .. } => (cache, None),
            MaskSource::MinHeights { heights, .. } => (None, Some(heights)),
        }
    }
}

/// The matrix builder behind [`build_scenario_matrix_cached`],
/// [`build_scenario_matrix_min_heights`] and the netted model, with its masks from `masks`.
fn build_masked(
    catalogue: &Catalogue,
    demand: &Demand,
    candidates: &[Site],
    fixed: &[Site],
    max_nonzeros: u64,
    masks: MaskSource<'_>,
) -> Result<(CoverageMatrix, UnitLayout)> {
    let (terrain, (cache, heights)) = (masks.terrain(), masks.caches());
    let layers = catalogue.layers();
    let layout = UnitLayout {
        n_samples: demand.len(),
        n_layers: layers.len(),
    };
    let n_units = layout.n_samples as u64 * layout.n_layers as u64;
    if n_units > u32::MAX as u64 {
        return Err(Error::InvalidInput {
            what: "demand units".into(),
            reason: format!("{n_units} (sample, layer) pairs, at most {}", u32::MAX),
        });
    }
    let positions = demand.positions();
    // estimate before allocating anything large
    let density = sample_density(positions);
    let estimate: f64 = candidates
        .iter()
        .map(|s| estimate_nnz(catalogue, s, density, terrain))
        .sum();
    if estimate > max_nonzeros as f64 {
        return Err(Error::ResourceLimit {
            what: "coverage-matrix non-zeros (estimated)",
            requested: estimate.min(u64::MAX as f64) as u64,
            limit: max_nonzeros,
            setting: "limits.max_matrix_nonzeros (or candidate_spacing_m / grid_resolution_m)",
        });
    }
    let items: Vec<Indexed> = positions
        .iter()
        .enumerate()
        .map(|(i, p)| GeomWithData::new(*p, i as u32))
        .collect();
    let tree = RTree::bulk_load(items);

    let mut weights = Vec::with_capacity(n_units as usize);
    let mut required = Vec::with_capacity(n_units as usize);
    for layer in layers {
        let lw = catalogue.layer_weight(layer);
        for (s, &w) in demand.weights().iter().enumerate() {
            weights.push(w * lw);
            required.push(demand.required_depth(s, layer.threat).max(1));
        }
    }
    let mut initial = vec![0u8; n_units as usize];
    let mut row = Vec::new();
    let fixed_masks = Masks::compute_with(terrain, catalogue, demand, fixed, cache, heights)?;
    for (i, site) in fixed.iter().enumerate() {
        row.clear();
        let masks = fixed_masks.as_ref().map(|m| (m, i));
        covered_units(catalogue, &tree, positions, layout, site, masks, &mut row);
        for &u in &row {
            let d = &mut initial[u as usize];
            *d = d.saturating_add(1);
        }
    }

    let total = AtomicU64::new(0);
    let rows: Vec<Option<Vec<u32>>> = candidates
        .par_iter()
        .map(|site| -> Result<Option<Vec<u32>>> {
            if total.load(Ordering::Relaxed) > max_nonzeros {
                return Ok(None);
            }
            // this candidate's viewsheds only (dropped with its row built)
            let site_masks = Masks::compute_with(
                terrain,
                catalogue,
                demand,
                std::slice::from_ref(site),
                cache,
                heights,
            )?;
            let masks = site_masks.as_ref().map(|m| (m, 0));
            let mut out = Vec::new();
            covered_units(catalogue, &tree, positions, layout, site, masks, &mut out);
            let t = total.fetch_add(out.len() as u64, Ordering::Relaxed) + out.len() as u64;
            if t > max_nonzeros {
                return Ok(None);
            }
            out.shrink_to_fit();
            Ok(Some(out))
        })
        .collect::<Result<_>>()?;
    let nnz = total.load(Ordering::Relaxed);
    let m = with_rows(rows, nnz, max_nonzeros, "coverage-matrix non-zeros", || {
        CoverageMatrix::new(weights)?
            .with_required_depth(required)?
            .with_initial_depth(initial)
    })?;
    Ok((m, layout))
}

/// The matrix `units()` builds (its units, no candidates yet) with one candidate per row of
/// `rows` (sorted units; `None` for a row the builder stopped at the non-zero limit), or
/// [`Error::ResourceLimit`] naming `what` when `nnz` passed `max_nonzeros` (checked first).
pub(super) fn with_rows(
    rows: Vec<Option<Vec<u32>>>,
    nnz: u64,
    max_nonzeros: u64,
    what: &'static str,
    units: impl FnOnce() -> Result<CoverageMatrix>,
) -> Result<CoverageMatrix> {
    if nnz > max_nonzeros || rows.iter().any(Option::is_none) {
        return Err(Error::ResourceLimit {
            what,
            requested: nnz,
            limit: max_nonzeros,
            setting: "limits.max_matrix_nonzeros (or candidate_spacing_m / grid_resolution_m)",
        });
    }
    let mut m = units()?;
    m.units.reserve_exact(usize::try_from(nnz).unwrap_or(0));
    m.offsets.reserve_exact(rows.len());
    for r in rows.into_iter().flatten() {
        m.push_sorted(&r);
    }
    Ok(m)
}

/// Samples per m² over the samples' bounding box (at least one sample per km² of the box is
/// assumed when the box is degenerate).
fn sample_density(positions: &[[f64; 2]]) -> f64 {
    if positions.is_empty() {
        return 0.0;
    }
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for p in positions {
        b[0] = b[0].min(p[0]);
        b[1] = b[1].min(p[1]);
        b[2] = b[2].max(p[0]);
        b[3] = b[3].max(p[1]);
    }
    let area = ((b[2] - b[0]) * (b[3] - b[1])).max(1e6);
    positions.len() as f64 / area
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_sorts_and_dedups() {
        let mut m = CoverageMatrix::new(vec![1.0; 5]).unwrap();
        assert_eq!(m.push_candidate([4, 1, 1, 3]).unwrap(), 0);
        assert_eq!(m.push_candidate([]).unwrap(), 1);
        assert_eq!(m.units_of(0), &[1, 3, 4]);
        assert!(m.units_of(1).is_empty());
        assert!(m.push_candidate([5]).is_err());
        assert_eq!(m.n_candidates(), 2);
        assert_eq!(m.nnz(), 3);
        let t = m.transpose();
        assert_eq!(t.of(3), &[0]);
        assert!(t.of(0).is_empty());
    }

    #[test]
    fn objective_with_depths() {
        let m = CoverageMatrix::from_sets(vec![2.0, 4.0], &[vec![0, 1], vec![1]])
            .unwrap()
            .with_required_depth(vec![1, 2])
            .unwrap()
            .with_initial_depth(vec![0, 1])
            .unwrap();
        assert_eq!(m.initial_objective(), 2.0);
        assert_eq!(m.objective_of(&[1]), 4.0);
        assert_eq!(m.objective_of(&[0, 1]), 6.0);
        assert_eq!(m.max_objective(), 6.0);
        assert!(CoverageMatrix::new(vec![f64::NAN]).is_err());
        assert!(CoverageMatrix::new(vec![1.0])
            .unwrap()
            .with_required_depth(vec![0])
            .is_err());
    }
}
