//! Terrain masking shared by every evaluation path.
//!
//! With a non-flat [`Terrain`], a site covers a sample on a layer iff its flat footprint
//! covers it ([`Footprint::covers`]) **and** the sample is visible from the site's antenna
//! (class antenna height above the ground at the site, refraction factor `k` of the class)
//! for a target at the layer's altitude above the ground below it:
//!
//! * **grid samples**: the site's [`Viewshed`] on the demand grid, cell `(i, j)` of the sample
//!   ([`Viewshed::visible`]); the viewshed's range is the footprint's
//!   [`max_ground_range_m`](Footprint::max_ground_range_m);
//! * **point samples** (assets, corridors): the exact [`line_of_sight`] from the site to the
//!   point (a point need not lie on the grid, and it is tested where it is).
//!
//! [`Masks`] computes every viewshed once per evaluation (one radial sweep per site, shared by
//! all its layers through [`Viewshed::compute_many`]; layers at the same altitude share one
//! viewshed, out to the largest of their ranges; a sector radar's sweep covers only its padded
//! sector, [`site_viewshed_sector`], where the bits are those of the full sweep), sites in
//! parallel; the raster, R-tree and
//! reference paths then all read the same bits, so they agree exactly. Empty footprints get no
//! viewshed.

use crate::catalogue::Catalogue;
use crate::demand::{Demand, Grid};
use crate::error::Result;
use crate::site::Site;
use crate::terrain::viewshed::CellGround;
use crate::terrain::{
    line_of_sight, site_viewshed_sector, site_viewshed_targets, MinHeightCache, Terrain, Viewshed,
    ViewshedCache,
};
use rayon::prelude::*;
use std::sync::Arc;

/// The viewsheds of one site.
#[derive(Debug)]
struct SiteViews {
    /// Per layer: index into `views` (`None` for an empty footprint).
    layer: Vec<Option<usize>>,
    views: Vec<Arc<Viewshed>>,
    antenna_h: f64,
    k: f64,
    position: [f64; 2],
}

/// Visibility of every (site, layer, sample) triple over one demand and one non-flat terrain.
#[derive(Debug)]
pub(crate) struct Masks<'a> {
    terrain: &'a Terrain,
    grid: Grid,
    cells: &'a [u32],
    altitudes: Vec<f64>,
    sites: Vec<SiteViews>,
}

impl<'a> Masks<'a> {
    /// The masks of validated `sites` over `demand`; `None` on flat terrain (no masking).
    /// With a `cache` that [serves](ViewshedCache::serves) this terrain and the demand grid,
    /// viewsheds are taken from it (and computed into it): the same bits, since a viewshed is
    /// a pure function of its key. With `heights` serving them, every site's viewsheds are
    /// read from its [`MinHeightMap`](crate::terrain::MinHeightMap) instead (computed into it
    /// on first use, over the site's largest range and its sector: the same rays); it then
    /// takes precedence over `cache`. Those bits are conservative against the swept ones (see
    /// [`MinHeightMap`](crate::terrain::MinHeightMap)).
    ///
    /// # Errors
    /// As [`Viewshed::compute_many`] (a sweep beyond
    /// [`MAX_VIEWSHED_SAMPLES`](crate::terrain::MAX_VIEWSHED_SAMPLES)) and
    /// [`MinHeightMap::compute`](crate::terrain::MinHeightMap::compute).
    pub(crate) fn compute_with(
        terrain: &'a Terrain,
        catalogue: &Catalogue,
        demand: &'a Demand,
        sites: &[Site],
        cache: Option<&ViewshedCache>,
        heights: Option<&MinHeightCache>,
    ) -> Result<Option<Masks<'a>>> {
        if terrain.is_flat() {
            return Ok(None);
        }
        let grid = *demand.grid();
        let has_grid = demand.grid_samples() > 0 && grid.nx > 0 && grid.ny > 0;
        let layers = catalogue.layers();
        let cache = cache.filter(|c| c.serves(terrain, &grid));
        let heights = heights.filter(|c| c.serves(terrain, &grid));
        // the ground under the grid's cells, shared by the sites' sweeps (same bits as
        // interpolating it per cell): worth building for several sites
        let own_ground = match (terrain, cache, has_grid && sites.len() > 1) {
            (Terrain::Raster(g), None, true) => CellGround::new(g, &grid),
            _ => None,
        };
        let ground = own_ground.as_ref();
        let per_site = sites
            .par_iter()
            .map(|site| -> Result<SiteViews> {
                let class = catalogue.class(site.class);
                let mut sv = SiteViews {
                    layer: vec![None; layers.len()],
                    views: Vec::new(),
                    antenna_h: class.antenna_height_m,
                    k: class.refraction_k,
                    position: site.position,
                };
                if !has_grid {
                    return Ok(sv);
                }
                // one target per distinct altitude, out to the largest range of its layers
                let (targets, index) = site_viewshed_targets(catalogue, site, terrain);
                // a sector radar's viewsheds only over its (padded) sector
                let sector = site_viewshed_sector(catalogue, site, terrain);
                sv.layer = index;
                if let (Some(hc), false) = (heights, targets.is_empty()) {
                    let range = targets.iter().fold(0.0f64, |r, t| r.max(t.max_range_m));
                    let map = hc.get(site.position, sv.antenna_h, sv.k, range, sector)?;
                    sv.views = targets
                        .iter()
                        .map(|t| Arc::new(Viewshed::from_min_heights(&map, *t)))
                        .collect();
                } else if !targets.is_empty() {
                    sv.views = match cache {
                        Some(c) => c.get_many_in_sector(
                            site.position,
                            sv.antenna_h,
                            sv.k,
                            &targets,
                            sector,
                        )?,
                        None => Viewshed::compute_many_shared(
                            terrain,
                            site.position,
                            sv.antenna_h,
                            sv.k,
                            &targets,
                            &grid,
                            sector,
                            ground,
                        )?
                        .into_iter()
                        .map(Arc::new)
                        .collect(),
                    };
                }
                Ok(sv)
            })
            .collect::<Result<Vec<SiteViews>>>()?;
        Ok(Some(Masks {
            terrain,
            grid,
            cells: demand.grid_cells(),
            altitudes: layers.iter().map(|l| l.altitude_m).collect(),
            sites: per_site,
        }))
    }

    /// The terrain the masks were computed over.
    pub(crate) fn terrain(&self) -> &'a Terrain {
        self.terrain
    }

    /// The viewshed of `site` on `layer` over the demand grid (`None` for an empty footprint
    /// or a demand without grid samples).
    pub(crate) fn view(&self, site: usize, layer: usize) -> Option<&Viewshed> {
        let sv = self.sites.get(site)?;
        let n = (*sv.layer.get(layer)?)?;
        sv.views.get(n).map(|v| &**v)
    }

    /// True iff sample `sample` at position `p` is visible from `site` on `layer`: the
    /// viewshed cell for grid samples, the exact line of sight for point samples.
    pub(crate) fn visible(&self, site: usize, layer: usize, sample: usize, p: [f64; 2]) -> bool {
        if let Some(&cell) = self.cells.get(sample) {
            let cell = cell as usize;
            let (i, j) = (cell % self.grid.nx.max(1), cell / self.grid.nx.max(1));
            return self.view(site, layer).is_some_and(|v| v.visible(i, j));
        }
        let (Some(sv), Some(&alt)) = (self.sites.get(site), self.altitudes.get(layer)) else {
            return false;
        };
        line_of_sight(self.terrain, sv.position, sv.antenna_h, p, alt, sv.k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terrain::synth;
    use crate::volume::Footprint;

    /// Every cell a footprint covers reads the bits of the site's all-round viewshed: the
    /// sector restriction (and the shared ground) change no covered cell.
    #[test]
    fn sector_viewsheds_keep_every_covered_cell() {
        let cat = Catalogue::builtin();
        let zone = Grid::covering([-60_000.0, -60_000.0, 60_000.0, 60_000.0], 500.0, 1 << 20)
            .unwrap_or_else(|e| panic!("{e}"));
        let demand = Demand::from_grid(zone, &vec![true; zone.len()], &[1, 1, 2, 2])
            .unwrap_or_else(|e| panic!("{e}"));
        let ext = Grid::covering([-61_000.0, -61_000.0, 61_000.0, 61_000.0], 250.0, 1 << 20)
            .unwrap_or_else(|e| panic!("{e}"));
        let terrain = Terrain::from_local_dem(
            &synth::fractal(&ext, 8, 300.0, 0.7).unwrap_or_else(|e| panic!("{e}")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let class = |n: &str| cat.class_id(n).unwrap_or_else(|e| panic!("{e}"));
        let sites: Vec<Site> = [
            ("patriot_class", [0.0, 0.0], 0.0),
            ("patriot_class", [20_000.0, -10_000.0], 137.0),
            ("patriot_class", [-30_000.0, 25_000.0], 359.5),
            ("patriot_pac3_mse", [5_000.0, 40_000.0], 271.0),
            ("medium_range", [-10_000.0, -20_000.0], 45.0),
        ]
        .iter()
        .map(|&(c, p, f)| Site::new(class(c), p, f))
        .collect();
        let masks = Masks::compute_with(&terrain, &cat, &demand, &sites, None, None)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("terrain is not flat"));
        let (mut covered, mut visible, mut cut) = (0usize, 0usize, 0usize);
        for (n, site) in sites.iter().enumerate() {
            let c = cat.class(site.class);
            let (targets, index) = site_viewshed_targets(&cat, site, &terrain);
            let full = Viewshed::compute_many(
                &terrain,
                site.position,
                c.antenna_height_m,
                c.refraction_k,
                &targets,
                &zone,
            )
            .unwrap_or_else(|e| panic!("{e}"));
            for (l, layer) in cat.layers().iter().enumerate() {
                let fp = Footprint::new_over(&cat, site, layer, &terrain);
                let Some(t) = index[l] else {
                    assert!(masks.view(n, l).is_none());
                    continue;
                };
                let Some(v) = masks.view(n, l) else {
                    panic!("site {n} layer {l}: no viewshed")
                };
                for j in 0..zone.ny {
                    for i in 0..zone.nx {
                        let want = full[t].visible(i, j);
                        if fp.covers(zone.centre(i, j)) {
                            covered += 1;
                            visible += usize::from(want);
                            assert_eq!(v.visible(i, j), want, "site {n} layer {l} cell {i},{j}");
                        } else if want && !v.visible(i, j) {
                            cut += 1;
                        }
                    }
                }
            }
        }
        // not vacuous: covered cells, visible and hidden ones, and cells the sectors cut
        assert!(
            covered > 100_000 && visible > covered / 10 && visible < covered,
            "{visible} of {covered}"
        );
        assert!(cut > 10_000, "{cut}");
    }

    /// Masks read from minimum-height maps: a subset of the swept bits (conservative), equal
    /// but for a handful of knife-edge cells, and served from the cache the second time.
    #[test]
    fn min_height_masks_are_the_swept_ones() {
        let cat = Catalogue::builtin();
        let zone = Grid::covering([-50_000.0, -50_000.0, 50_000.0, 50_000.0], 500.0, 1 << 20)
            .unwrap_or_else(|e| panic!("{e}"));
        let demand = Demand::from_grid(zone, &vec![true; zone.len()], &[1, 1, 2, 2])
            .unwrap_or_else(|e| panic!("{e}"));
        let ext = Grid::covering([-51_000.0, -51_000.0, 51_000.0, 51_000.0], 250.0, 1 << 20)
            .unwrap_or_else(|e| panic!("{e}"));
        let terrain = Terrain::from_local_dem(
            &synth::fractal(&ext, 5, 300.0, 0.7).unwrap_or_else(|e| panic!("{e}")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let class = |n: &str| cat.class_id(n).unwrap_or_else(|e| panic!("{e}"));
        let sites: Vec<Site> = [
            ("patriot_class", [0.0, 0.0], 30.0),
            ("medium_range", [-10_000.0, -20_000.0], 45.0),
            ("medium_range", [12_000.0, 9_000.0], 0.0),
        ]
        .iter()
        .map(|&(c, p, f)| Site::new(class(c), p, f))
        .collect();
        let cache = MinHeightCache::new(terrain.clone(), zone);
        let swept = Masks::compute_with(&terrain, &cat, &demand, &sites, None, None)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("terrain is not flat"));
        for round in 0..2 {
            let read = Masks::compute_with(&terrain, &cat, &demand, &sites, None, Some(&cache))
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|| panic!("terrain is not flat"));
            let (mut vis, mut lost) = (0usize, 0usize);
            for n in 0..sites.len() {
                for l in 0..cat.layers().len() {
                    let (a, b) = (read.view(n, l), swept.view(n, l));
                    assert_eq!(a.is_some(), b.is_some());
                    let (Some(a), Some(b)) = (a, b) else { continue };
                    assert_eq!(a.ray_count(), b.ray_count());
                    for j in 0..zone.ny {
                        for i in 0..zone.nx {
                            let (x, y) = (a.visible(i, j), b.visible(i, j));
                            assert!(!x || y, "site {n} layer {l} cell {i},{j}");
                            vis += usize::from(y);
                            lost += usize::from(y && !x);
                        }
                    }
                }
            }
            assert!(vis > 50_000, "{vis}");
            assert!(lost * 100_000 <= vis, "{lost} of {vis}");
            assert_eq!(cache.stats(), (round * 3, 3, 0));
        }
    }
}
