//! Resampling DEMs (one, or several tiles) onto the scenario's local frame, with explicit DEM
//! coverage.
//!
//! Each local cell centre is mapped to each DEM's coordinates (local metres directly; through
//! the frame to WGS84 longitude/latitude; then, for an EPSG CRS, through [`proj4rs`]) and the
//! DEM is sampled there bilinearly ([`Dem::sample`]). The exact mapping is computed at every
//! 16th cell in each direction and interpolated bilinearly in between (the mappings are smooth:
//! the interpolation error is well under a centimetre at the cell sizes in use); a lattice
//! square with a corner that cannot be projected is mapped cell by cell.
//!
//! # Tiles
//!
//! Several DEMs (1° SRTM or Copernicus tiles, say) form a mosaic: each cell takes its value
//! from the **first** DEM in the list that covers it (overlaps: first tile wins). Tiles may
//! be in different CRSs; each is mapped through its own.
//!
//! # Coverage
//!
//! A cell covered by no DEM is never silently given 0 m. What happens is the
//! [`OutsidePolicy`]: [`OutsidePolicy::Error`] (the default) refuses with
//! [`Error::TerrainNotCovered`] (how many cells, and where in longitude/latitude);
//! [`OutsidePolicy::Flat`] and [`OutsidePolicy::Height`] fill them with 0 m or a given height
//! and leave a `terrain.outside_filled` diagnostic counting them. Nodata cells inside a DEM
//! were already filled when it was read (nearest valid cell, see [`Dem`]); the fill is reported
//! as `terrain.nodata_filled`, and a CRS assumed from the numbers as `terrain.crs_assumed`.

use super::crs::ToDem;
use super::{Dem, ElevationGrid, Terrain, MAX_TERRAIN_CELLS};
use crate::diagnostic::{codes, Diagnostic};
use crate::error::{Error, Result};
use crate::frame::LocalFrame;
use rayon::prelude::*;

/// What terrain cells outside every DEM get. See the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum OutsidePolicy {
    /// Refuse with [`Error::TerrainNotCovered`] (the default).
    #[default]
    Error,
    /// 0 m, with a `terrain.outside_filled` diagnostic.
    Flat,
    /// The given height in metres, with a `terrain.outside_filled` diagnostic.
    Height(f64),
}

impl OutsidePolicy {
    /// The height the policy fills with, `None` for [`OutsidePolicy::Error`].
    pub fn fill_height(&self) -> Option<f64> {
        match self {
            OutsidePolicy::Error => None,
            OutsidePolicy::Flat => Some(0.0),
            OutsidePolicy::Height(h) => Some(*h),
        }
    }
}

/// A terrain together with the diagnostics of building it (nodata filled, CRS assumed,
/// cells outside the DEM filled by policy).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TerrainModel {
    /// The terrain.
    pub terrain: Terrain,
    /// What was degraded on the way, if anything.
    pub diagnostics: Vec<Diagnostic>,
}

/// Lattice step (cells) of the exact mapping.
const L: usize = 16;

/// Resamples the mosaic of `dems` (first covering DEM wins) onto local cells of `cell_m`
/// metres covering `bbox` (`[min_x, min_y, max_x, max_y]`, local metres of `frame`).
///
/// # Parameters
/// * `dems`: one DEM or several tiles, in priority order; each in its own CRS.
/// * `frame`: the scenario's local frame.
/// * `bbox`: the local box to cover.
/// * `cell_m`: the terrain cell size, metres.
/// * `outside`: what cells covered by no DEM get.
///
/// # Returns
/// The terrain and its diagnostics (each DEM's [`Dem::diagnostics`], plus
/// `terrain.outside_filled` when the policy filled cells).
///
/// # Errors
/// [`Error::InvalidInput`] for no DEM, a non-positive cell size, an invalid box or a
/// non-finite fill height; [`Error::ResourceLimit`] above [`MAX_TERRAIN_CELLS`] cells;
/// [`Error::UnsupportedCrs`] for a DEM whose CRS is unspecified or cannot be built;
/// [`Error::TerrainNotCovered`] when cells are outside every DEM under
/// [`OutsidePolicy::Error`].
///
/// # Complexity
/// O(cells × tiles) bilinear samples plus one exact projection per 16 × 16 cells, parallel
/// over rows; deterministic for any thread count.
///
/// # Examples
/// ```
/// use skycover::terrain::{resample::{resample, OutsidePolicy}, Dem, DemCrs};
/// use skycover::LocalFrame;
/// // a 1000 m plateau over lon 30.0–30.2 only: the box reaches west of it
/// let dem = Dem::new(DemCrs::LonLat, [30.0, 50.0], [0.01, 0.01], 20, 20, vec![1000.0; 400], None)?;
/// let frame = LocalFrame::new(30.1, 50.1)?;
/// let bbox = [-12_000.0, -5_000.0, 5_000.0, 5_000.0];
/// assert!(resample(&[dem.clone()], &frame, bbox, 500.0, OutsidePolicy::Error).is_err());
/// let m = resample(&[dem], &frame, bbox, 500.0, OutsidePolicy::Height(120.0))?;
/// assert_eq!(m.terrain.elevation(-11_000.0, 0.0), 120.0);
/// assert_eq!(m.terrain.elevation(0.0, 0.0), 1000.0);
/// assert_eq!(m.diagnostics[0].code, "terrain.outside_filled");
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn resample(
    dems: &[Dem],
    frame: &LocalFrame,
    bbox: [f64; 4],
    cell_m: f64,
    outside: OutsidePolicy,
) -> Result<TerrainModel> {
    if dems.is_empty() {
        return Err(Error::InvalidInput {
            what: "terrain DEMs".into(),
            reason: "no DEM given".into(),
        });
    }
    if let OutsidePolicy::Height(h) = outside {
        if !h.is_finite() {
            return Err(Error::InvalidInput {
                what: "terrain outside policy height_m".into(),
                reason: format!("{h} is not a finite height"),
            });
        }
    }
    let mappers = dems
        .iter()
        .map(|d| ToDem::new(d.crs()))
        .collect::<Result<Vec<_>>>()?;
    let grid =
        crate::demand::Grid::covering(bbox, cell_m, MAX_TERRAIN_CELLS).map_err(|e| match e {
            Error::ResourceLimit {
                requested, limit, ..
            } => Error::ResourceLimit {
                what: "terrain grid cells",
                requested,
                limit,
                setting: "terrain cell size (coarsen it) or terrain::MAX_TERRAIN_CELLS",
            },
            other => other,
        })?;
    // at least 2 × 2 cells
    let (nx, ny) = (grid.nx.max(2), grid.ny.max(2));
    let (ox, oy) = (grid.origin[0], grid.origin[1]);
    let mut z = vec![f32::NAN; nx * ny];
    let lattice = |n: usize| -> Vec<usize> {
        let mut v: Vec<usize> = (0..n).step_by(L).collect();
        if v.last() != Some(&(n - 1)) {
            v.push(n - 1);
        }
        v
    };
    let (li, lj) = (lattice(nx), lattice(ny));
    let w = li.len();
    let local = |i: usize, j: usize| (ox + i as f64 * cell_m, oy + j as f64 * cell_m);
    for (dem, map) in dems.iter().zip(&mappers) {
        let nodes: Vec<Option<[f64; 2]>> = lj
            .par_iter()
            .flat_map_iter(|&j| {
                li.iter().map(move |&i| {
                    let (x, y) = local(i, j);
                    map.map(frame, x, y)
                })
            })
            .collect();
        let lon0 = frame.lon0();
        let sample = |q: [f64; 2]| -> Option<f64> {
            if map.relative_lon() {
                let lon = lon0 + q[0];
                dem.sample(lon, q[1])
                    .or_else(|| dem.sample(lon - 360.0, q[1]))
                    .or_else(|| dem.sample(lon + 360.0, q[1]))
            } else {
                dem.sample(q[0], q[1])
            }
        };
        z.par_chunks_mut(nx).enumerate().for_each(|(j, row)| {
            let b = (j / L).min(lj.len() - 2);
            let (j0, j1) = (lj[b], lj[b + 1]);
            let tj = (j - j0) as f64 / (j1 - j0) as f64;
            for (i, v) in row.iter_mut().enumerate() {
                if !v.is_nan() {
                    continue; // an earlier tile covers it
                }
                let a = (i / L).min(li.len() - 2);
                let corners = [
                    nodes[b * w + a],
                    nodes[b * w + a + 1],
                    nodes[(b + 1) * w + a],
                    nodes[(b + 1) * w + a + 1],
                ];
                let q = match corners {
                    [Some(p00), Some(p10), Some(p01), Some(p11)] => {
                        let (i0, i1) = (li[a], li[a + 1]);
                        let ti = (i - i0) as f64 / (i1 - i0) as f64;
                        let mut q = [0.0; 2];
                        for (k, qk) in q.iter_mut().enumerate() {
                            let lo = p00[k] + (p10[k] - p00[k]) * ti;
                            let hi = p01[k] + (p11[k] - p01[k]) * ti;
                            *qk = lo + (hi - lo) * tj;
                        }
                        Some(q)
                    }
                    _ => {
                        let (x, y) = local(i, j);
                        map.map(frame, x, y)
                    }
                };
                if let Some(h) = q.and_then(sample) {
                    *v = h as f32;
                }
            }
        });
    }
    let mut diagnostics = Vec::new();
    for (n, dem) in dems.iter().enumerate() {
        let source = if dems.len() == 1 {
            "DEM".to_string()
        } else {
            format!("DEM tile {} of {}", n + 1, dems.len())
        };
        diagnostics.extend(dem.diagnostics(&source));
    }
    // uncovered cells, and the lon/lat box of their centres: along a row longitude is
    // monotonic and latitude has its extremum at the frame's central column, so each run of
    // uncovered cells needs only its two ends and that column projected
    let ic = ((-ox / cell_m).round().max(0.0) as usize).min(nx - 1);
    let empty = (
        0usize,
        [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ],
    );
    let (count, bb) = z
        .par_chunks(nx)
        .enumerate()
        .map(|(j, row)| {
            let (mut count, mut bb) = empty;
            let mut add = |i: usize| {
                let (x, y) = local(i, j);
                let (lon, lat) = frame.to_lonlat(x, y);
                bb = [
                    bb[0].min(lon),
                    bb[1].min(lat),
                    bb[2].max(lon),
                    bb[3].max(lat),
                ];
            };
            let mut i = 0;
            while i < nx {
                if !row[i].is_nan() {
                    i += 1;
                    continue;
                }
                let start = i;
                while i < nx && row[i].is_nan() {
                    i += 1;
                }
                count += i - start;
                add(start);
                add(i - 1);
                add(ic.clamp(start, i - 1));
            }
            (count, bb)
        })
        .reduce(
            || empty,
            |(c1, a), (c2, b)| {
                (
                    c1 + c2,
                    [
                        a[0].min(b[0]),
                        a[1].min(b[1]),
                        a[2].max(b[2]),
                        a[3].max(b[3]),
                    ],
                )
            },
        );
    if count > 0 {
        let total = (nx * ny) as u64;
        let count = count as u64;
        let Some(h) = outside.fill_height() else {
            return Err(Error::TerrainNotCovered {
                uncovered_cells: count,
                total_cells: total,
                uncovered_lonlat: bb,
            });
        };
        for v in z.iter_mut().filter(|v| v.is_nan()) {
            *v = h as f32;
        }
        diagnostics.push(
            Diagnostic::warning(
                codes::TERRAIN_OUTSIDE_FILLED,
                format!(
                    "{count} of {total} terrain cells ({:.2} %) lie outside the DEM, within lon {:.4}..{:.4}, lat {:.4}..{:.4}: filled with {h} m as the outside policy asks",
                    100.0 * count as f64 / total as f64,
                    bb[0], bb[2], bb[1], bb[3]
                ),
            )
            .with_field("terrain_outside"),
        );
    }
    let grid = ElevationGrid::new([ox, oy], cell_m, nx, ny, z)?;
    Ok(TerrainModel {
        terrain: Terrain::from_grid(grid),
        diagnostics,
    })
}
