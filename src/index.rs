//! Spatial indexes: footprints and demand samples in R-trees ([`rstar`] 0.12).
//!
//! * [`SiteFootprint`] wraps a [`Footprint`] as an [`RTreeObject`] (its envelope is the
//!   footprint's bounding box, slightly padded) with [`PointDistance`]; its
//!   `contains_point` is exactly [`Footprint::covers`], so an R-tree query gives the same
//!   answer as testing every footprint.
//! * [`FootprintIndex`] holds one R-tree of footprints per layer of a catalogue, built with
//!   `bulk_load`: depth at an arbitrary point in O(log n + k).
//! * [`DemandIndex`] answers the reverse question, "which demand samples does this footprint
//!   cover?", in increasing sample order: grid samples through the footprint's exact row spans
//!   ([`Footprint::row_spans`]), point samples through an R-tree of their positions. The
//!   placement code builds its sparse coverage matrix with it.

use crate::catalogue::{Catalogue, Layer};
use crate::demand::Demand;
use crate::error::Result;
use crate::evaluate::spans::RowSpanner;
use crate::evaluate::validate_sites;
use crate::site::Site;
use crate::terrain::Terrain;
use crate::volume::Footprint;
use rstar::primitives::GeomWithData;
use rstar::{PointDistance, RTree, RTreeObject, AABB};

/// Relative padding of envelopes, so that rounding in `c ± r` can never drop a point that the
/// exact predicate covers (the predicate itself decides; padding only adds candidates).
const PAD_REL: f64 = 1e-9;

/// Pads a box `[min_x, min_y, max_x, max_y]` outwards by a relative epsilon.
pub(crate) fn padded_bbox(b: [f64; 4]) -> [f64; 4] {
    let scale = b.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    let e = scale * PAD_REL;
    [b[0] - e, b[1] - e, b[2] + e, b[3] + e]
}

/// A site's footprint on one layer, as an R-tree object.
///
/// Its envelope is the footprint's bounding box (padded by a relative 10⁻⁹), and
/// [`PointDistance::contains_point`] is exactly [`Footprint::covers`].
/// [`PointDistance::distance_2`] is the squared Euclidean distance to the footprint (annulus
/// clipped to the sector), 0 inside.
///
/// # Examples
/// ```
/// use rstar::{PointDistance, RTree};
/// use skycover::index::SiteFootprint;
/// use skycover::{Catalogue, Site};
///
/// let cat = Catalogue::builtin();
/// let cuas = cat.class_id("counter_uas")?;
/// let layer = &cat.layers()[cat.layers().len() - 1];
/// let sites = [Site::new(cuas, [0.0, 0.0], 0.0), Site::new(cuas, [3_000.0, 0.0], 0.0)];
/// let objects = sites
///     .iter()
///     .enumerate()
///     .map(|(i, s)| SiteFootprint::new(&cat, s, i, layer))
///     .collect::<Result<Vec<_>, _>>()?;
/// let tree = RTree::bulk_load(objects);
/// assert_eq!(tree.locate_all_at_point(&[1_500.0, 0.0]).count(), 2);
/// assert_eq!(tree.locate_all_at_point(&[-3_000.0, 0.0]).count(), 1);
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SiteFootprint {
    footprint: Footprint,
    site: usize,
    /// Unit vectors of the left and right sector boundary rays, and whether the sector is
    /// reflex (wider than 180°); `None` for all-round radars.
    rays: Option<([f64; 2], [f64; 2], bool)>,
}

impl SiteFootprint {
    /// The footprint of `site` (the `index`-th site of its set) on `layer`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for a site whose class is not in
    /// `catalogue`, or with a non-finite position or facing.
    pub fn new(
        catalogue: &Catalogue,
        site: &Site,
        index: usize,
        layer: &Layer,
    ) -> Result<SiteFootprint> {
        validate_sites(catalogue, std::slice::from_ref(site))?;
        Ok(Self::new_unchecked(
            catalogue,
            site,
            index,
            layer,
            &Terrain::Flat,
        ))
    }

    /// [`new`](Self::new) for a validated site.
    fn new_unchecked(
        catalogue: &Catalogue,
        site: &Site,
        index: usize,
        layer: &Layer,
        terrain: &Terrain,
    ) -> SiteFootprint {
        let footprint = Footprint::new_over(catalogue, site, layer, terrain);
        // the footprint's own sector edges (true bearings mapped to the frame)
        let rays = footprint.raw_parts().and_then(|(_, _, _, sector)| sector);
        SiteFootprint {
            footprint,
            site: index,
            rays,
        }
    }

    /// The wrapped footprint.
    pub fn footprint(&self) -> &Footprint {
        &self.footprint
    }

    /// Index of the site in the slice the object was built from.
    pub fn site(&self) -> usize {
        self.site
    }

    /// True when the bearing of offset `(dx, dy)` lies in the sector (its closure).
    fn in_sector(&self, dx: f64, dy: f64) -> bool {
        match self.rays {
            None => true,
            Some((l, r, reflex)) => {
                let in_l = l[0] * dy - l[1] * dx <= 0.0;
                let in_r = r[0] * dy - r[1] * dx >= 0.0;
                if reflex {
                    in_l || in_r
                } else {
                    in_l && in_r
                }
            }
        }
    }
}

/// Squared distance from `p` to the segment `a + t·u`, `t ∈ [t0, t1]` (`u` a unit vector).
fn dist2_to_ray_segment(p: [f64; 2], a: [f64; 2], u: [f64; 2], t0: f64, t1: f64) -> f64 {
    let (dx, dy) = (p[0] - a[0], p[1] - a[1]);
    let t = (dx * u[0] + dy * u[1]).clamp(t0, t1);
    let (ex, ey) = (dx - t * u[0], dy - t * u[1]);
    ex * ex + ey * ey
}

impl RTreeObject for SiteFootprint {
    type Envelope = AABB<[f64; 2]>;

    fn envelope(&self) -> Self::Envelope {
        let b = padded_bbox(self.footprint.bbox());
        AABB::from_corners([b[0], b[1]], [b[2], b[3]])
    }
}

impl PointDistance for SiteFootprint {
    fn distance_2(&self, point: &[f64; 2]) -> f64 {
        let fp = &self.footprint;
        if fp.is_empty() {
            return f64::INFINITY;
        }
        if fp.covers(*point) {
            return 0.0;
        }
        let c = fp.centre();
        let (rmin, rmax) = (fp.min_ground_range_m(), fp.max_ground_range_m());
        let (dx, dy) = (point[0] - c[0], point[1] - c[1]);
        if self.in_sector(dx, dy) {
            let d = dx.hypot(dy);
            let gap = if d > rmax {
                d - rmax
            } else if d < rmin {
                rmin - d
            } else {
                0.0
            };
            return gap * gap;
        }
        match self.rays {
            // In an all-round footprint every bearing is in the sector.
            None => 0.0,
            Some((l, r, _)) => dist2_to_ray_segment(*point, c, l, rmin, rmax)
                .min(dist2_to_ray_segment(*point, c, r, rmin, rmax)),
        }
    }

    fn contains_point(&self, point: &[f64; 2]) -> bool {
        self.footprint.covers(*point)
    }
}

/// One R-tree of site footprints per layer of a catalogue.
///
/// # Examples
/// ```
/// use skycover::index::FootprintIndex;
/// use skycover::{Catalogue, Site};
///
/// let cat = Catalogue::builtin();
/// let medium = cat.class_id("medium_range")?;
/// let sites = vec![
///     Site::new(medium, [0.0, 0.0], 0.0),
///     Site::new(medium, [10_000.0, 0.0], 0.0),
/// ];
/// let index = FootprintIndex::new(&cat, &sites)?;
/// let drone_low = cat.layers_of(cat.threat_id("drone")?).next().unwrap().index;
/// assert_eq!(index.depth_at(drone_low, [5_000.0, 0.0]), 2);
/// assert_eq!(index.depth_at(drone_low, [500.0, 0.0]), 1); // inside the first one's dead zone
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FootprintIndex {
    trees: Vec<RTree<SiteFootprint>>,
}

impl FootprintIndex {
    /// Builds the trees (`bulk_load`), skipping empty footprints.
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) for a site whose class is not in
    /// `catalogue`, or with a non-finite position or facing.
    ///
    /// # Complexity
    /// O(layers × sites × log sites).
    pub fn new(catalogue: &Catalogue, sites: &[Site]) -> Result<FootprintIndex> {
        validate_sites(catalogue, sites)?;
        Ok(Self::build(catalogue, sites))
    }

    /// [`new`](Self::new) for validated sites.
    pub(crate) fn build(catalogue: &Catalogue, sites: &[Site]) -> FootprintIndex {
        Self::build_over(catalogue, sites, &Terrain::Flat)
    }

    /// [`build`](Self::build) with footprints over `terrain` ([`Footprint::new_over`]: the
    /// terrain-aware horizon cap).
    pub(crate) fn build_over(
        catalogue: &Catalogue,
        sites: &[Site],
        terrain: &Terrain,
    ) -> FootprintIndex {
        let trees = catalogue
            .layers()
            .iter()
            .map(|layer| {
                let objects: Vec<SiteFootprint> = sites
                    .iter()
                    .enumerate()
                    .map(|(i, s)| SiteFootprint::new_unchecked(catalogue, s, i, layer, terrain))
                    .filter(|f| !f.footprint.is_empty())
                    .collect();
                RTree::bulk_load(objects)
            })
            .collect();
        FootprintIndex { trees }
    }

    /// Number of layers.
    pub fn layers(&self) -> usize {
        self.trees.len()
    }

    /// The tree of layer `layer` (`None` when out of range).
    pub fn tree(&self, layer: usize) -> Option<&RTree<SiteFootprint>> {
        self.trees.get(layer)
    }

    /// The footprints of layer `layer` covering `p` (none when the layer is out of range).
    pub fn covering(&self, layer: usize, p: [f64; 2]) -> impl Iterator<Item = &SiteFootprint> {
        self.trees
            .get(layer)
            .into_iter()
            .flat_map(move |t| t.locate_all_at_point(&p))
    }

    /// Number of sites covering `p` on layer `layer`, saturating at 255.
    pub fn depth_at(&self, layer: usize, p: [f64; 2]) -> u8 {
        let n = self.covering(layer, p).take(255).count();
        n.min(255) as u8
    }
}

/// Which demand samples a footprint covers, in increasing sample order.
///
/// Grid samples are found through the footprint's exact row spans on the demand grid (the
/// same spans as [`Footprint::row_spans`]; O(rows + covered cells)), point samples (assets, corridors) through an R-tree of their
/// positions (`bulk_load`; envelope query, then the exact predicate). The result is exactly
/// `{ s : footprint.covers(demand.positions()[s]) }`.
///
/// # Examples
/// ```
/// use skycover::index::DemandIndex;
/// use skycover::{Catalogue, Demand, Footprint, Site};
///
/// let cat = Catalogue::builtin();
/// let demand = Demand::from_points(
///     vec![[0.0, 0.0], [1_000.0, 0.0], [9_000.0, 0.0]], vec![1.0; 3], vec![1; 12], 4)?;
/// let index = DemandIndex::new(&demand);
/// let cuas = cat.class_id("counter_uas")?;
/// let layer = &cat.layers()[cat.layers().len() - 1];
/// let fp = Footprint::new(&cat, &Site::new(cuas, [500.0, 0.0], 0.0), layer);
/// assert_eq!(index.covered_by(&fp), vec![0, 1]);
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct DemandIndex<'d> {
    demand: &'d Demand,
    points: RTree<GeomWithData<[f64; 2], u32>>,
}

impl<'d> DemandIndex<'d> {
    /// Indexes the point samples of `demand` (`bulk_load`). Complexity: O(p log p) for `p`
    /// point samples.
    pub fn new(demand: &'d Demand) -> DemandIndex<'d> {
        let ng = demand.grid_samples();
        let points = demand.positions()[ng..]
            .iter()
            .enumerate()
            .map(|(k, &p)| GeomWithData::new(p, (ng + k) as u32))
            .collect();
        DemandIndex {
            demand,
            points: RTree::bulk_load(points),
        }
    }

    /// The indexed demand.
    pub fn demand(&self) -> &'d Demand {
        self.demand
    }

    /// Calls `f(sample)` for every sample covered by `footprint`, in increasing order.
    ///
    /// Complexity: O(rows of the footprint + covered grid cells) for the grid part,
    /// O(log p + candidates) for the point part.
    pub fn for_each_covered(&self, footprint: &Footprint, mut f: impl FnMut(usize)) {
        if footprint.is_empty() {
            return;
        }
        let d = self.demand;
        let grid = d.grid();
        let b = padded_bbox(footprint.bbox());
        if let (true, Some(rs)) = (
            d.grid_samples() > 0 && grid.nx > 0,
            RowSpanner::new(footprint),
        ) {
            let (j0, j1) = row_range(grid, b[1], b[3]);
            let (x0, inv) = (grid.x(0), 1.0 / grid.cell_m);
            for j in j0..j1 {
                let base = j * grid.nx;
                rs.spans(grid.y(j), x0, grid.cell_m, inv, grid.nx, |a, e| {
                    for c in base + a..base + e {
                        if let Some(s) = d.sample_of_cell(c) {
                            f(s);
                        }
                    }
                });
            }
        }
        if self.points.size() > 0 {
            let env = AABB::from_corners([b[0], b[1]], [b[2], b[3]]);
            let mut hits: Vec<u32> = self
                .points
                .locate_in_envelope(&env)
                .filter(|g| footprint.covers(*g.geom()))
                .map(|g| g.data)
                .collect();
            hits.sort_unstable();
            for s in hits {
                f(s as usize);
            }
        }
    }

    /// The samples covered by `footprint`, in increasing order
    /// (see [`for_each_covered`](Self::for_each_covered)).
    pub fn covered_by(&self, footprint: &Footprint) -> Vec<u32> {
        let mut out = Vec::new();
        self.covered_by_into(footprint, &mut out);
        out
    }

    /// As [`covered_by`](Self::covered_by), into a reused buffer (cleared first).
    pub fn covered_by_into(&self, footprint: &Footprint, out: &mut Vec<u32>) {
        out.clear();
        self.for_each_covered(footprint, |s| out.push(s as u32));
    }
}

/// Rows `j0..j1` of `grid` whose centre line may intersect `[ymin, ymax]` (one row of slack
/// on each side against rounding; callers test rows exactly).
pub(crate) fn row_range(grid: &crate::demand::Grid, ymin: f64, ymax: f64) -> (usize, usize) {
    let lo = ((ymin - grid.origin[1]) / grid.cell_m).floor() - 1.0;
    let hi = ((ymax - grid.origin[1]) / grid.cell_m).ceil() + 2.0;
    let ny = grid.ny as f64;
    // `as` saturates (and maps NaN to 0), so the clamped values convert safely.
    let j0 = lo.clamp(0.0, ny) as usize;
    let j1 = hi.clamp(0.0, ny) as usize;
    (j0, j1.max(j0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// `distance_2` is 0 on covered points, positive elsewhere, and never more than the
        /// distance to a dense sample of covered points (it is the distance to the set).
        #[test]
        fn distance_is_distance_to_footprint(
            class in 0usize..3, li in 0usize..9, facing in 0.0f64..360.0,
            sector in 10.0f64..360.0,
            px in -60_000.0f64..60_000.0, py in -60_000.0f64..60_000.0,
        ) {
            let mut cat = Catalogue::builtin();
            let mut systems = cat.systems().to_vec();
            systems[class].sector_deg = sector;
            cat = Catalogue::from_classes("t".into(), cat.threats().to_vec(), systems).unwrap();
            let layer = cat.layers()[li];
            let site = Site::new(crate::ClassId(class), [0.0, 0.0], facing);
            let sf = SiteFootprint::new(&cat, &site, 0, &layer).unwrap();
            prop_assume!(!sf.footprint().is_empty());
            let d2 = sf.distance_2(&[px, py]);
            if sf.contains_point(&[px, py]) {
                prop_assert_eq!(d2, 0.0);
            } else {
                prop_assert!(d2 >= 0.0);
                // brute force over a polar sample of the footprint
                let fp = sf.footprint();
                let (r0, r1) = (fp.min_ground_range_m(), fp.max_ground_range_m());
                let mut best = f64::INFINITY;
                for a in 0..720 {
                    let t = (a as f64) * 0.5f64.to_radians();
                    for k in 0..=40 {
                        let r = r0 + (r1 - r0) * k as f64 / 40.0;
                        let q = [r * t.sin(), r * t.cos()];
                        if fp.covers(q) {
                            best = best.min((q[0] - px).powi(2) + (q[1] - py).powi(2));
                        }
                    }
                }
                // exact distance is a lower bound of the sampled one, and close to it
                prop_assert!(d2 <= best * (1.0 + 1e-9) + 1e-6, "{d2} > {best}");
                let step = (r1 - r0) / 40.0 + r1 * 0.5f64.to_radians();
                prop_assert!(d2.sqrt() >= best.sqrt() - step, "{d2} vs {best}");
            }
        }
    }
}
