//! Coverage evaluation: how deep each demand sample is covered on each layer, and what that
//! means per threat, overall and per defended asset.
//!
//! The hot path of skycover. Three evaluation paths compute the same depths, bit for bit,
//! because they all reduce to the one predicate [`Footprint::covers`] evaluated at the same
//! sample positions:
//!
//! * [`EvalPath::Raster`]: grid samples by rasterising each footprint row by row
//!   ([`Footprint::row_spans`]) into a difference array, one prefix sum per row; cost
//!   O(layers × (sites × rows + cells)), independent of how many cells each footprint covers.
//!   Point samples (assets, corridors) go through the R-tree.
//! * [`EvalPath::RTree`]: every sample queried against an R-tree of footprints per layer
//!   ([`FootprintIndex`]); cost O(layers × samples × (log sites + candidates)).
//! * [`EvalPath::Reference`]: every sample against every footprint; kept for tests.
//!
//! [`EvalPath::Auto`] (the default) picks the raster path for grid samples and the R-tree for
//! point samples.
//!
//! **Terrain** ([`Evaluator::with_terrain`], [`Coverage::evaluate_with_terrain`]): a site then
//! covers a sample iff its flat footprint covers it and the sample is visible from the
//! antenna: grid samples by the site's [`Viewshed`](crate::terrain::Viewshed) on the demand
//! grid (one sweep per site shared by all its layers, computed once per evaluation and read
//! by every path: the raster path intersects each flat row span with the viewshed's visible
//! runs), point samples by the exact [`line_of_sight`](crate::terrain::line_of_sight). The
//! paths still agree exactly; [`Terrain::Flat`] (the default) gives the flat results bit for
//! bit. All paths run in parallel with rayon and give the same result on any number
//! of threads: depths are integer counts, and the weighted summaries are summed over fixed
//! chunks in a fixed order.
//!
//! # Netting
//! [`Evaluator::with_netting`], or the scenario's `netting` setting in
//! [`Coverage::for_scenario`] (a shared air picture, engage-on-remote).
//! With netting a site covers a sample on a layer iff its weapon's kinematic envelope (slant
//! range band from the antenna, altitude band; no horizon, no sector, no line of sight) reaches
//! it **and** some site's sensor sees it (detection range, sensor antenna, sector, the
//! terrain-aware horizon cap and line of sight) or some site's footprint covers it. Each part
//! is an ordinary evaluation on the same path, so the paths still agree exactly; netting never
//! lowers a depth; the coverage carries an `evaluate.netted` diagnostic
//! ([`Coverage::is_netted`]).

pub(crate) mod masks;
pub(crate) mod netted;
mod raster;
mod scenario_eval;
pub(crate) mod spans;
mod summary;

pub use summary::{AssetStatus, Summary, ThreatCoverage};

use crate::catalogue::{Catalogue, Layer, ThreatId};
use crate::demand::Demand;
use crate::error::{Error, Result};
use crate::index::FootprintIndex;
use crate::scenario::Scenario;
use crate::site::Site;
use crate::terrain::Terrain;
use crate::volume::Footprint;
use masks::Masks;
use rayon::prelude::*;

/// Samples per parallel work item of the per-sample paths and of the summaries.
/// A multiple of 64 (the summaries pack per-sample bits into `u64` words per chunk).
pub(crate) const CHUNK: usize = 4096;

/// Which evaluation path computes the depths. All give identical results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EvalPath {
    /// Raster for grid samples, R-tree for point samples (the fastest choice).
    #[default]
    Auto,
    /// Every sample against every site footprint: the plain reference, for tests.
    Reference,
    /// Every sample queried against an R-tree of footprints per layer.
    RTree,
    /// Row-by-row rasterisation of footprints for grid samples; point samples through the
    /// R-tree (same as [`Auto`](Self::Auto)).
    Raster,
}

/// Coverage depth per (layer, sample): how many sites cover each demand sample on each layer,
/// saturating at 255.
///
/// Stored layer-major as `u8`: `depth[layer · samples + sample]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepthMap {
    samples: usize,
    layers: usize,
    depth: Vec<u8>,
}

impl DepthMap {
    fn zeros(samples: usize, layers: usize) -> DepthMap {
        DepthMap {
            samples,
            layers,
            depth: vec![0; samples * layers],
        }
    }

    /// Number of samples.
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// Number of layers.
    pub fn layers(&self) -> usize {
        self.layers
    }

    /// Depth of `sample` on `layer` (0 when either is out of range).
    #[inline]
    pub fn get(&self, sample: usize, layer: usize) -> u8 {
        if sample >= self.samples || layer >= self.layers {
            return 0;
        }
        self.depth[layer * self.samples + sample]
    }

    /// Depths of all samples on `layer` (empty when out of range).
    pub fn layer(&self, layer: usize) -> &[u8] {
        if layer >= self.layers {
            return &[];
        }
        &self.depth[layer * self.samples..(layer + 1) * self.samples]
    }

    /// All depths, layer-major.
    pub fn as_slice(&self) -> &[u8] {
        &self.depth
    }
}

/// Evaluates coverage with a chosen [`EvalPath`].
///
/// # Examples
/// ```
/// use skycover::evaluate::{EvalPath, Evaluator};
/// use skycover::{Catalogue, Demand, Grid, Site};
///
/// let cat = Catalogue::builtin();
/// let grid = Grid::covering([-20_000.0, -20_000.0, 20_000.0, 20_000.0], 1_000.0, 1 << 20)?;
/// let demand = Demand::from_grid(grid, &vec![true; grid.len()], &[1; 4])?;
/// let sites = vec![Site::new(cat.class_id("medium_range")?, [0.0, 0.0], 0.0)];
/// let fast = Evaluator::new().evaluate(&cat, &demand, &sites)?;
/// let slow = Evaluator::with_path(EvalPath::Reference).evaluate(&cat, &demand, &sites)?;
/// assert_eq!(fast.depths(), slow.depths());
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evaluator {
    path: EvalPath,
    terrain: Terrain,
    cache: SharedCache,
    netting: bool,
    heights: SharedHeights,
}

/// An optional shared [`MinHeightCache`](crate::terrain::MinHeightCache); equal when both are
/// absent or both are the same cache.
#[derive(Debug, Clone, Default)]
struct SharedHeights(Option<std::sync::Arc<crate::terrain::MinHeightCache>>);

impl PartialEq for SharedHeights {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => std::sync::Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// An optional shared [`ViewshedCache`](crate::terrain::ViewshedCache); equal when both are
/// absent or both are the same cache.
#[derive(Debug, Clone, Default)]
struct SharedCache(Option<std::sync::Arc<crate::terrain::ViewshedCache>>);

impl SharedCache {
    fn get(&self) -> Option<&crate::terrain::ViewshedCache> {
        self.0.as_deref()
    }
}

impl PartialEq for SharedCache {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => std::sync::Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Evaluator {
    /// An evaluator on the automatic (fastest) path.
    pub fn new() -> Evaluator {
        Evaluator::default()
    }

    /// An evaluator forced onto `path`.
    pub fn with_path(path: EvalPath) -> Evaluator {
        Evaluator {
            path,
            terrain: Terrain::Flat,
            cache: SharedCache::default(),
            netting: false,
            heights: SharedHeights::default(),
        }
    }

    /// This evaluator with terrain masking over `terrain` ([`Terrain::Flat`], the default,
    /// masks nothing and gives exactly the flat results).
    ///
    /// A site then covers a sample on a layer iff its flat [`Footprint`] covers it **and** the
    /// sample is visible from the site's antenna (the class's antenna height above the ground
    /// at the site, its refraction factor `k`) for a target at the layer's altitude above the
    /// ground below it:
    ///
    /// * grid samples: the site's [`Viewshed`](crate::terrain::Viewshed) on the demand grid
    ///   (range: the footprint's maximum ground range), at the sample's cell;
    /// * point samples (assets, corridors): the exact
    ///   [`line_of_sight`](crate::terrain::line_of_sight) to the point.
    ///
    /// Every path uses this same rule and the same viewsheds (computed once per evaluation:
    /// one sweep per site for all its layers, sites in parallel), so all paths still agree
    /// exactly. Terrain never increases a depth.
    ///
    /// # Examples
    /// ```
    /// use skycover::evaluate::{EvalPath, Evaluator};
    /// use skycover::terrain::{synth, Terrain};
    /// use skycover::{Catalogue, Demand, Grid, Site};
    ///
    /// let cat = Catalogue::builtin();
    /// let grid = Grid::covering([-8_000.0, -8_000.0, 8_000.0, 8_000.0], 250.0, 1 << 20)?;
    /// let demand = Demand::from_grid(grid, &vec![true; grid.len()], &[1; 4])?;
    /// // a 300 m ridge 2 km east of a counter-UAS site
    /// let extent = Grid::covering([-9_000.0, -9_000.0, 9_000.0, 9_000.0], 100.0, 1 << 20)?;
    /// let terrain = Terrain::from_local_dem(&synth::ridge_valley(&extent, 2_000.0, 300.0, 500.0)?)?;
    /// let sites = [Site::new(cat.class_id("counter_uas")?, [0.0, 0.0], 0.0)];
    /// let flat = Evaluator::new().evaluate(&cat, &demand, &sites)?;
    /// let masked = Evaluator::new().with_terrain(terrain.clone()).evaluate(&cat, &demand, &sites)?;
    /// let drone = cat.threat_id("drone")?;
    /// assert!(masked.threat(drone).unwrap().fraction < flat.threat(drone).unwrap().fraction);
    /// // every path gives the same masked depths
    /// let reference = Evaluator::with_path(EvalPath::Reference).with_terrain(terrain);
    /// assert_eq!(reference.evaluate(&cat, &demand, &sites)?.depths(), masked.depths());
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn with_terrain(mut self, terrain: Terrain) -> Evaluator {
        self.terrain = terrain;
        self
    }

    /// This evaluator taking its terrain viewsheds from `cache` (and storing new ones in it)
    /// when the cache [serves](crate::terrain::ViewshedCache::serves) its terrain and the
    /// demand grid; otherwise the cache is ignored. Results are identical with and without a
    /// cache (a viewshed is a pure function of its key); share one cache with
    /// [`Planner::viewshed_cache`](crate::placement::Planner::viewshed_cache) so that
    /// evaluating a plan reuses the viewsheds its candidates were planned with.
    ///
    /// # Examples
    /// ```
    /// use skycover::evaluate::Evaluator;
    /// use skycover::terrain::{synth, Terrain, ViewshedCache};
    /// use skycover::{Catalogue, Demand, Grid, Site};
    /// use std::sync::Arc;
    /// let cat = Catalogue::builtin();
    /// let grid = Grid::covering([-8_000.0, -8_000.0, 8_000.0, 8_000.0], 250.0, 1 << 20)?;
    /// let demand = Demand::from_grid(grid, &vec![true; grid.len()], &[1; 4])?;
    /// let extent = Grid::covering([-9_000.0, -9_000.0, 9_000.0, 9_000.0], 100.0, 1 << 20)?;
    /// let terrain = Terrain::from_local_dem(&synth::fractal(&extent, 1, 200.0, 0.7)?)?;
    /// let cache = Arc::new(ViewshedCache::new(terrain.clone(), grid));
    /// let sites = [Site::new(cat.class_id("medium_range")?, [0.0, 0.0], 0.0)];
    /// let eval = Evaluator::new().with_terrain(terrain.clone()).with_viewshed_cache(cache.clone());
    /// let a = eval.evaluate(&cat, &demand, &sites)?;
    /// let b = eval.evaluate(&cat, &demand, &sites)?; // served from the cache
    /// assert_eq!(a, b);
    /// assert!(cache.stats().0 > 0);
    /// assert_eq!(a, Evaluator::new().with_terrain(terrain).evaluate(&cat, &demand, &sites)?);
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn with_viewshed_cache(
        mut self,
        cache: std::sync::Arc<crate::terrain::ViewshedCache>,
    ) -> Evaluator {
        self.cache = SharedCache(Some(cache));
        self
    }

    /// This evaluator reading its terrain masks from the per-cell minimum visible heights in
    /// `cache` ([`MinHeightMap`](crate::terrain::MinHeightMap): one sweep per site, keyed only
    /// by the site, the terrain and the grid) when the cache
    /// [serves](crate::terrain::MinHeightCache::serves) its terrain and the demand grid; it
    /// takes precedence over a [viewshed cache](Self::with_viewshed_cache). A second
    /// evaluation of the same sites then costs one comparison per cell and altitude. The masks
    /// are **conservative** against the swept ones: a cell may be called hidden where the
    /// sweep says visible only when its margin is below
    /// [`MIN_HEIGHT_SLACK_M`](crate::terrain::MIN_HEIGHT_SLACK_M) plus the `f32` rounding of
    /// its minimum height (never the reverse).
    ///
    /// # Examples
    /// ```
    /// use skycover::evaluate::Evaluator;
    /// use skycover::terrain::{synth, MinHeightCache, Terrain};
    /// use skycover::{Catalogue, Demand, Grid, Site};
    /// use std::sync::Arc;
    /// let cat = Catalogue::builtin();
    /// let grid = Grid::covering([-8_000.0, -8_000.0, 8_000.0, 8_000.0], 250.0, 1 << 20)?;
    /// let demand = Demand::from_grid(grid, &vec![true; grid.len()], &[1; 4])?;
    /// let extent = Grid::covering([-9_000.0, -9_000.0, 9_000.0, 9_000.0], 100.0, 1 << 20)?;
    /// let terrain = Terrain::from_local_dem(&synth::fractal(&extent, 1, 200.0, 0.7)?)?;
    /// let cache = Arc::new(MinHeightCache::new(terrain.clone(), grid));
    /// let sites = [Site::new(cat.class_id("medium_range")?, [0.0, 0.0], 0.0)];
    /// let eval = Evaluator::new().with_terrain(terrain.clone()).with_min_height_cache(cache.clone());
    /// let a = eval.evaluate(&cat, &demand, &sites)?;
    /// let b = eval.evaluate(&cat, &demand, &sites)?; // comparisons only
    /// assert_eq!(a, b);
    /// assert_eq!(cache.stats(), (1, 1, 0));
    /// let swept = Evaluator::new().with_terrain(terrain).evaluate(&cat, &demand, &sites)?;
    /// assert!(a.overall().fraction <= swept.overall().fraction);
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn with_min_height_cache(
        mut self,
        cache: std::sync::Arc<crate::terrain::MinHeightCache>,
    ) -> Evaluator {
        self.heights = SharedHeights(Some(cache));
        self
    }

    /// This evaluator with sensor netting on or off (off by default): with netting a site
    /// covers a sample when its weapon's kinematic envelope reaches it and **some** sensor of
    /// the defence tracks it (engage-on-remote), even below its own radar's horizon; see the
    /// [module docs](self#netting). Netting never lowers a depth, and with abstract v1 classes
    /// alone (each sensor is its weapon radar) it changes a depth only where one site's radar
    /// cues another site's weapon.
    ///
    /// # Examples
    /// ```
    /// use skycover::evaluate::{EvalPath, Evaluator};
    /// use skycover::{Catalogue, Demand, Grid, Site};
    /// let cat = Catalogue::builtin();
    /// let grid = Grid::covering([-40_000.0, -40_000.0, 40_000.0, 40_000.0], 1_000.0, 1 << 20)?;
    /// let demand = Demand::from_grid(grid, &vec![true; grid.len()], &[1; 4])?;
    /// // a PAC-3 MSE class site facing east sees nothing behind its 120° radar sector; an
    /// // all-round IRIS-T SLM class radar 30 km west tracks there, and netting lets the
    /// // Patriot's missiles engage what it tracks
    /// let sites = [
    ///     Site::new(cat.class_id("patriot_pac3_mse")?, [0.0, 0.0], 90.0),
    ///     Site::new(cat.class_id("iris_t_slm")?, [-30_000.0, 0.0], 0.0),
    /// ];
    /// let own = Evaluator::new().evaluate(&cat, &demand, &sites)?;
    /// let net = Evaluator::new().with_netting(true).evaluate(&cat, &demand, &sites)?;
    /// let near = |p: &[f64; 2]| (p[0] + 10_000.0).abs() <= 500.0 && p[1].abs() <= 500.0;
    /// let west = demand.positions().iter().position(near).unwrap(); // 10 km west
    /// let layer = 5; // cruise missiles at 30 m
    /// assert!(net.depth(west, layer) > own.depth(west, layer));
    /// let drone = cat.threat_id("drone")?;
    /// assert!(net.threat(drone).unwrap().score > own.threat(drone).unwrap().score);
    /// assert!(net.is_netted());
    /// let reference = Evaluator::with_path(EvalPath::Reference).with_netting(true);
    /// assert_eq!(reference.evaluate(&cat, &demand, &sites)?.depths(), net.depths());
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn with_netting(mut self, netting: bool) -> Evaluator {
        self.netting = netting;
        self
    }

    /// True when this evaluator nets its sensors ([`with_netting`](Self::with_netting)).
    pub fn netting(&self) -> bool {
        self.netting
    }

    /// The path this evaluator uses.
    pub fn path(&self) -> EvalPath {
        self.path
    }

    /// The terrain this evaluator masks with ([`Terrain::Flat`] by default).
    pub fn terrain(&self) -> &Terrain {
        &self.terrain
    }

    /// Depth per (sample, layer) of `sites` over `demand`, without the summaries.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `demand` was built for a different number of threats than
    /// `catalogue` has, or a site has a class not in `catalogue`, a non-finite position or a
    /// non-finite facing; with terrain, [`Error::ResourceLimit`] when a viewshed sweep would
    /// be too large (see [`Viewshed::compute`](crate::terrain::Viewshed::compute)).
    ///
    /// # Complexity
    /// Raster: O(layers × (sites × grid rows + grid cells)) for grid samples, plus
    /// O(layers × points × (log sites + k)) for point samples. Reference:
    /// O(layers × samples × sites). Memory: one byte per (sample, layer). With terrain, add
    /// one viewshed sweep per site (about 4 × its largest footprint's cells, see
    /// [`crate::terrain::viewshed`]), O(footprint cells) per distinct layer altitude, one bit
    /// per footprint-window cell and distinct altitude of memory, and
    /// O(path length / terrain cell) per (covering site, point sample).
    pub fn depths(
        &self,
        catalogue: &Catalogue,
        demand: &Demand,
        sites: &[Site],
    ) -> Result<DepthMap> {
        validate(catalogue, demand, sites)?;
        let layers = catalogue.layers();
        let mut map = DepthMap::zeros(demand.len(), layers.len());
        if demand.is_empty() || layers.is_empty() || sites.is_empty() {
            return Ok(map);
        }
        let masks = Masks::compute_with(
            &self.terrain,
            catalogue,
            demand,
            sites,
            self.cache.get(),
            self.heights.0.as_deref(),
        )?;
        let masks = masks.as_ref();
        match self.path {
            EvalPath::Reference => reference(catalogue, demand, sites, masks, &mut map, 0),
            EvalPath::RTree => rtree(catalogue, demand, sites, masks, &mut map, 0),
            EvalPath::Auto | EvalPath::Raster => {
                raster::grid_depths(catalogue, demand, sites, masks, &mut map);
                if demand.point_samples() > 0 {
                    rtree(
                        catalogue,
                        demand,
                        sites,
                        masks,
                        &mut map,
                        demand.grid_samples(),
                    );
                }
            }
        }
        if self.netting {
            return netted::netted_depths(self, catalogue, demand, sites, map);
        }
        Ok(map)
    }

    /// Full coverage evaluation: depths, per-threat and overall summaries, asset status.
    ///
    /// # Errors
    /// As [`depths`](Self::depths).
    pub fn evaluate(
        &self,
        catalogue: &Catalogue,
        demand: &Demand,
        sites: &[Site],
    ) -> Result<Coverage> {
        let depth = self.depths(catalogue, demand, sites)?;
        let mut c = summary::summarise(catalogue, demand, depth);
        if self.netting {
            c.diagnostics.push(crate::diagnostic::Diagnostic::info(
                crate::diagnostic::codes::EVALUATE_NETTED,
                "sensor netting on: a weapon counts wherever its kinematic envelope reaches a target some sensor of the defence tracks (engage-on-remote)",
            ));
        }
        Ok(c)
    }
}

/// Checks that `sites` and `demand` fit `catalogue`.
fn validate(catalogue: &Catalogue, demand: &Demand, sites: &[Site]) -> Result<()> {
    validate_sites(catalogue, sites)?;
    if demand.n_threats() != catalogue.threats().len() {
        return Err(Error::InvalidInput {
            what: "demand".into(),
            reason: format!(
                "built for {} threats, the catalogue has {}",
                demand.n_threats(),
                catalogue.threats().len()
            ),
        });
    }
    Ok(())
}

/// Checks that every site has a class of `catalogue`, a finite position and a finite facing.
pub(crate) fn validate_sites(catalogue: &Catalogue, sites: &[Site]) -> Result<()> {
    for (i, s) in sites.iter().enumerate() {
        let what = || match &s.id {
            Some(id) => format!("site {i} (\"{id}\")"),
            None => format!("site {i}"),
        };
        if s.class.0 >= catalogue.systems().len() {
            return Err(Error::InvalidInput {
                what: what(),
                reason: format!(
                    "class index {} is not in the catalogue ({} classes: {})",
                    s.class.0,
                    catalogue.systems().len(),
                    catalogue.class_names()
                ),
            });
        }
        if !s.position.iter().all(|v| v.is_finite()) {
            return Err(Error::InvalidInput {
                what: what(),
                reason: format!("position {:?} is not finite", s.position),
            });
        }
        if !s.facing_deg.is_finite() {
            return Err(Error::InvalidInput {
                what: what(),
                reason: format!("facing {} is not finite", s.facing_deg),
            });
        }
        let b = &s.bearings;
        if !(b.radial_grid_deg.is_finite()
            && b.radial_true_deg.is_finite()
            && b.transverse_scale.is_finite()
            && b.transverse_scale > 0.0)
        {
            return Err(Error::InvalidInput {
                what: what(),
                reason: format!("bearing map {b:?} is not finite with a positive scale"),
            });
        }
    }
    Ok(())
}

/// The non-empty footprints of `sites` on `layer`, with the index of their site.
pub(crate) fn layer_footprints(
    catalogue: &Catalogue,
    sites: &[Site],
    layer: &Layer,
    terrain: &Terrain,
) -> Vec<(usize, Footprint)> {
    sites
        .iter()
        .map(|s| Footprint::new_over(catalogue, s, layer, terrain))
        .enumerate()
        .filter(|(_, f)| !f.is_empty())
        .collect()
}

/// Splits the samples `from..` of every layer of `map` into chunks of [`CHUNK`] samples:
/// `(layer, first sample, depths)`.
fn sample_chunks(map: &mut DepthMap, from: usize) -> Vec<(usize, usize, &mut [u8])> {
    let n = map.samples;
    let mut out = Vec::new();
    for (l, row) in map.depth.chunks_mut(n).enumerate() {
        let mut s0 = from;
        for chunk in row[from..].chunks_mut(CHUNK) {
            let len = chunk.len();
            out.push((l, s0, chunk));
            s0 += len;
        }
    }
    out
}

/// Reference path for samples `from..`: every sample against every footprint (and, with
/// terrain, its visibility).
fn reference(
    catalogue: &Catalogue,
    demand: &Demand,
    sites: &[Site],
    masks: Option<&Masks>,
    map: &mut DepthMap,
    from: usize,
) {
    let fps: Vec<Vec<(usize, Footprint)>> = catalogue
        .layers()
        .iter()
        .map(|l| {
            layer_footprints(
                catalogue,
                sites,
                l,
                masks.map_or(&Terrain::Flat, |m| m.terrain()),
            )
        })
        .collect();
    let pos = demand.positions();
    sample_chunks(map, from)
        .into_par_iter()
        .for_each(|(l, s0, out)| {
            let fps = &fps[l];
            for (k, o) in out.iter_mut().enumerate() {
                let p = pos[s0 + k];
                let mut d = 0u8;
                for (site, f) in fps {
                    if f.covers(p) && masks.map_or(true, |m| m.visible(*site, l, s0 + k, p)) {
                        d = d.saturating_add(1);
                    }
                }
                *o = d;
            }
        });
}

/// R-tree path for samples `from..`.
fn rtree(
    catalogue: &Catalogue,
    demand: &Demand,
    sites: &[Site],
    masks: Option<&Masks>,
    map: &mut DepthMap,
    from: usize,
) {
    let index = FootprintIndex::build_over(
        catalogue,
        sites,
        masks.map_or(&Terrain::Flat, |m| m.terrain()),
    );
    let pos = demand.positions();
    sample_chunks(map, from)
        .into_par_iter()
        .for_each(|(l, s0, out)| match masks {
            None => {
                for (k, o) in out.iter_mut().enumerate() {
                    *o = index.depth_at(l, pos[s0 + k]);
                }
            }
            Some(m) => {
                for (k, o) in out.iter_mut().enumerate() {
                    let (s, p) = (s0 + k, pos[s0 + k]);
                    let n = index
                        .covering(l, p)
                        .filter(|f| m.visible(f.site(), l, s, p))
                        .take(255)
                        .count();
                    *o = n.min(255) as u8;
                }
            }
        });
}

/// The result of evaluating a set of sites over a demand: depth per (sample, layer), and
/// what it means per threat, overall and per defended asset.
///
/// A sample **meets** a threat when its depth is at least its required depth against that
/// threat on **every** layer of the threat. Per threat:
///
/// * `fraction`: weighted fraction of samples meeting the threat,
/// * `score`: depth-aware score `Σ w · min(depth, k) / k / Σ w` (k = required depth),
///   averaged over the threat's layers,
/// * `gap_area_km2`: area of the grid samples that fail it,
/// * `assets_failing`: the defended assets that fail it.
///
/// Overall figures weigh threats by their catalogue weights (equivalently, layers by
/// [`Catalogue::layer_weight`]). With zero total sample weight, fractions and scores are 1
/// (nothing weighted is uncovered).
///
/// # Examples
/// ```
/// use skycover::{Coverage, Scenario};
///
/// let mut scenario = Scenario::builtin("kyiv")?;
/// let centre = scenario.frame().to_lonlat(0.0, 0.0);
/// let site = scenario.site_at("medium_range", centre.0, centre.1, None)?;
/// scenario.set_sites(vec![site])?;
/// let (demand, coverage) = Coverage::of_scenario(&scenario)?;
/// let drone = scenario.catalogue().threat_id("drone")?;
/// let t = coverage.threat(drone).unwrap();
/// assert!(t.fraction > 0.0 && t.fraction < 1.0);
/// assert!(t.gap_area_km2 > 0.0);
/// assert_eq!(coverage.depths().samples(), demand.len());
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    pub(crate) depth: DepthMap,
    pub(crate) layers: Vec<Layer>,
    pub(crate) threats: Vec<ThreatCoverage>,
    pub(crate) overall: Summary,
    pub(crate) assets: Vec<AssetStatus>,
    /// Per threat, one bit per sample (set = fails the threat), in `u64` words.
    pub(crate) failing: Vec<Vec<u64>>,
    pub(crate) grid_samples: usize,
    pub(crate) diagnostics: Vec<crate::diagnostic::Diagnostic>,
}

impl Coverage {
    /// Evaluates `sites` over `demand` on the fastest path (see [`Evaluator`]).
    ///
    /// # Parameters
    /// * `catalogue`: the classes and layers; `demand` must have one required depth per
    ///   threat of it.
    /// * `demand`: the samples (grid and points), in the sites' local frame.
    /// * `sites`: the placed systems (any number, including none).
    ///
    /// # Returns
    /// Depths per (sample, layer) and their summaries; see [`Coverage`].
    ///
    /// # Errors
    /// As [`Evaluator::depths`].
    ///
    /// # Examples
    /// ```
    /// use skycover::{Catalogue, Coverage, Demand, Site};
    ///
    /// let cat = Catalogue::builtin();
    /// // two points, needing depth 2 against drones (threat 3) and 1 against the rest
    /// let demand = Demand::from_points(
    ///     vec![[0.0, 0.0], [15_000.0, 0.0]], vec![1.0, 1.0], vec![1, 1, 1, 2, 1, 1, 1, 2], 4)?;
    /// let cuas = cat.class_id("counter_uas")?;
    /// let sites = [Site::new(cuas, [1_000.0, 0.0], 0.0), Site::new(cuas, [-1_000.0, 0.0], 0.0)];
    /// let c = Coverage::evaluate(&cat, &demand, &sites)?;
    /// let drone = cat.threat_id("drone")?;
    /// assert_eq!(c.threat_depth(0, drone), 2);
    /// assert_eq!(c.threat(drone).unwrap().fraction, 0.5); // the far point is uncovered
    /// assert_eq!(c.assets()[1].failing_layers.len(), cat.layers().len());
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn evaluate(catalogue: &Catalogue, demand: &Demand, sites: &[Site]) -> Result<Coverage> {
        Evaluator::new().evaluate(catalogue, demand, sites)
    }

    /// [`evaluate`](Self::evaluate) with terrain masking over `terrain` (see
    /// [`Evaluator::with_terrain`] for the rule); with [`Terrain::Flat`] the result is
    /// exactly that of [`evaluate`](Self::evaluate).
    ///
    /// # Errors
    /// As [`Evaluator::depths`].
    ///
    /// # Examples
    /// ```
    /// use skycover::terrain::{Dem, Terrain};
    /// use skycover::{Coverage, Demand, Scenario};
    ///
    /// let scenario = Scenario::builtin("kyiv")?;
    /// let demand = Demand::with_resolution(&scenario, 2_000.0)?;
    /// let terrain = Terrain::for_scenario_with_dem(&scenario, &Dem::builtin("kyiv")?, 500.0)?;
    /// let (cat, sites) = (scenario.catalogue(), scenario.sites());
    /// let flat = Coverage::evaluate(cat, &demand, sites)?;
    /// let masked = Coverage::evaluate_with_terrain(cat, &demand, sites, &terrain)?;
    /// let drone = cat.threat_id("drone")?;
    /// assert!(masked.threat(drone).unwrap().fraction <= flat.threat(drone).unwrap().fraction);
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn evaluate_with_terrain(
        catalogue: &Catalogue,
        demand: &Demand,
        sites: &[Site],
        terrain: &Terrain,
    ) -> Result<Coverage> {
        Evaluator::new()
            .with_terrain(terrain.clone())
            .evaluate(catalogue, demand, sites)
    }

    /// Discretises `scenario` ([`Demand::from_scenario`]) and evaluates its existing sites
    /// over its own terrain, as [`for_scenario`](Self::for_scenario).
    ///
    /// # Errors
    /// As [`Demand::from_scenario`] and [`Evaluator::depths`].
    pub fn of_scenario(scenario: &Scenario) -> Result<(Demand, Coverage)> {
        let demand = Demand::from_scenario(scenario)?;
        let coverage = Coverage::for_scenario_demand(scenario, &demand, scenario.sites())?;
        Ok((demand, coverage))
    }

    /// Depths per (sample, layer).
    pub fn depths(&self) -> &DepthMap {
        &self.depth
    }

    /// Depth of `sample` on layer `layer` (0 when out of range).
    pub fn depth(&self, sample: usize, layer: usize) -> u8 {
        self.depth.get(sample, layer)
    }

    /// Depth of `sample` against `threat`: the minimum over the threat's layers (0 when out of
    /// range).
    pub fn threat_depth(&self, sample: usize, threat: ThreatId) -> u8 {
        self.layers
            .iter()
            .filter(|l| l.threat == threat)
            .map(|l| self.depth.get(sample, l.index))
            .min()
            .unwrap_or(0)
    }

    /// True when `sample` fails `threat` (some layer of the threat below the required depth).
    /// False when out of range.
    pub fn fails(&self, sample: usize, threat: ThreatId) -> bool {
        self.failing
            .get(threat.0)
            .and_then(|bits| bits.get(sample / 64))
            .is_some_and(|w| w >> (sample % 64) & 1 == 1)
    }

    /// Number of samples.
    pub fn samples(&self) -> usize {
        self.depth.samples
    }

    /// Number of grid samples (samples `0..grid_samples()`).
    pub fn grid_samples(&self) -> usize {
        self.grid_samples
    }

    /// The catalogue layers the depths are indexed by.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Per-threat summaries, indexed by [`ThreatId`].
    pub fn threats(&self) -> &[ThreatCoverage] {
        &self.threats
    }

    /// The summary of one threat.
    pub fn threat(&self, threat: ThreatId) -> Option<&ThreatCoverage> {
        self.threats.get(threat.0)
    }

    /// Overall figures, threats weighted by their catalogue weights.
    pub fn overall(&self) -> &Summary {
        &self.overall
    }

    /// Typed remarks on how this coverage was computed (see [`Diagnostic`](crate::Diagnostic)).
    pub fn diagnostics(&self) -> &[crate::diagnostic::Diagnostic] {
        &self.diagnostics
    }
    /// True when this coverage was evaluated with sensor netting (it carries an
    /// `evaluate.netted` diagnostic; see [`Evaluator::with_netting`]).
    pub fn is_netted(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.code == crate::diagnostic::codes::EVALUATE_NETTED)
    }

    /// The status of every defended asset, in asset order.
    pub fn assets(&self) -> &[AssetStatus] {
        &self.assets
    }
}
