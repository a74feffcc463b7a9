//! The raster path: grid samples by rasterising footprints row by row.
//!
//! For each layer and each band of grid rows (the parallel work items), every footprint whose
//! rows meet the band adds its exact per-row spans ([`crate::Footprint::row_spans`], in a faster form: [`RowSpanner`]) to a difference
//! array (+1 at the start, −1 at the end of each span); one prefix sum per row then gives the
//! depth of every cell, and the cells that are samples are gathered. Cost per layer:
//! O(sites × rows + cells), whatever the footprints' areas.
//!
//! With terrain, each flat span is intersected with the site's viewshed row
//! ([`Viewshed::visible_runs`]) before it is added: the same bits the other paths test cell by
//! cell.

use super::masks::Masks;
use super::spans::RowSpanner;
use super::{layer_footprints, DepthMap};
use crate::catalogue::Catalogue;
use crate::demand::{Demand, Grid};
use crate::index::{padded_bbox, row_range};
use crate::site::Site;
use crate::terrain::Viewshed;
use rayon::prelude::*;

/// Grid rows per parallel work item.
const BAND_ROWS: usize = 16;

/// A footprint, the grid rows `j0..j1` it may cover, and its site's viewshed on its layer
/// (`None` on flat terrain).
struct RowFootprint<'v> {
    fp: RowSpanner,
    j0: usize,
    j1: usize,
    view: Option<&'v Viewshed>,
}

/// Fills the depths of the grid samples (`0..demand.grid_samples()`) of every layer.
pub(super) fn grid_depths(
    catalogue: &Catalogue,
    demand: &Demand,
    sites: &[Site],
    masks: Option<&Masks>,
    map: &mut DepthMap,
) {
    let ng = demand.grid_samples();
    let grid = *demand.grid();
    if ng == 0 || grid.nx == 0 || grid.ny == 0 {
        return;
    }
    let cells = demand.grid_cells();
    // row_first[j]: first grid sample in row j (samples are in row-major cell order)
    let mut row_first = Vec::with_capacity(grid.ny + 1);
    let mut s = 0;
    for j in 0..=grid.ny {
        let start = (j * grid.nx) as u64;
        while s < ng && (cells[s] as u64) < start {
            s += 1;
        }
        row_first.push(s);
    }
    let terrain = masks.map_or(&crate::terrain::Terrain::Flat, |m| m.terrain());
    let fps: Vec<Vec<RowFootprint>> = catalogue
        .layers()
        .iter()
        .enumerate()
        .map(|(l, layer)| {
            layer_footprints(catalogue, sites, layer, terrain)
                .into_iter()
                .filter_map(|(site, fp)| {
                    let view = match masks {
                        None => None,
                        // with terrain, a footprint without a viewshed sees nothing
                        Some(m) => Some(m.view(site, l)?),
                    };
                    let b = padded_bbox(fp.bbox());
                    let (j0, j1) = row_range(&grid, b[1], b[3]);
                    Some(RowFootprint {
                        fp: RowSpanner::new(&fp)?,
                        j0,
                        j1,
                        view,
                    })
                })
                .filter(|r| r.j0 < r.j1)
                .collect()
        })
        .collect();

    // Work items: (layer, rows j0..j1, depths of the samples of those rows).
    let n = map.samples;
    let mut tasks: Vec<(usize, usize, usize, &mut [u8])> = Vec::new();
    for (l, row) in map.depth.chunks_mut(n).enumerate() {
        if fps[l].is_empty() {
            continue;
        }
        let mut rest = &mut row[..ng];
        let mut j = 0;
        while j < grid.ny {
            let j1 = (j + BAND_ROWS).min(grid.ny);
            let len = row_first[j1] - row_first[j];
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(len);
            rest = tail;
            if len > 0 {
                tasks.push((l, j, j1, head));
            }
            j = j1;
        }
    }
    tasks.into_par_iter().for_each(|(l, j0, j1, out)| {
        band(&grid, cells, &row_first, &fps[l], j0, j1, out);
    });
}

/// Rasterises the footprints of one layer over rows `j0..j1` into `out` (the depths of the
/// grid samples of those rows).
fn band(
    grid: &Grid,
    cells: &[u32],
    row_first: &[usize],
    fps: &[RowFootprint<'_>],
    j0: usize,
    j1: usize,
    out: &mut [u8],
) {
    let nx = grid.nx;
    let active: Vec<&RowFootprint<'_>> = fps.iter().filter(|f| f.j0 < j1 && f.j1 > j0).collect();
    if active.is_empty() {
        return;
    }
    let mut diff = vec![0i32; nx + 1];
    let mut rowbuf = vec![0u8; nx];
    let x0 = grid.x(0);
    let inv_step = 1.0 / grid.cell_m;
    let base_sample = row_first[j0];
    for j in j0..j1 {
        let (sa, sb) = (row_first[j], row_first[j + 1]);
        if sa == sb {
            continue;
        }
        let y = grid.y(j);
        // touched cells lo..hi; the difference array is zero elsewhere
        let (mut lo, mut hi) = (nx, 0);
        {
            let mut add = |a: usize, b: usize| {
                diff[a] += 1;
                diff[b] -= 1;
                lo = lo.min(a);
                hi = hi.max(b);
            };
            for f in &active {
                if j >= f.j0 && j < f.j1 {
                    match f.view {
                        None => f.fp.spans(y, x0, grid.cell_m, inv_step, nx, &mut add),
                        Some(v) => f.fp.spans(y, x0, grid.cell_m, inv_step, nx, |a, b| {
                            v.visible_runs(j, a, b, &mut add)
                        }),
                    }
                }
            }
        }
        if lo >= hi {
            continue; // depths stay 0
        }
        let row_out = &mut out[sa - base_sample..sb - base_sample];
        // Prefix sums are ≥ 0: every span adds +1 before its −1.
        let mut acc = 0i32;
        if sb - sa == nx {
            // every cell of the row is a sample, in order
            for (o, d) in row_out[lo..hi].iter_mut().zip(diff[lo..hi].iter_mut()) {
                acc += std::mem::take(d);
                *o = acc.min(255) as u8;
            }
        } else {
            for (r, d) in rowbuf[lo..hi].iter_mut().zip(diff[lo..hi].iter_mut()) {
                acc += std::mem::take(d);
                *r = acc.min(255) as u8;
            }
            let base = j * nx;
            for (o, &c) in row_out.iter_mut().zip(&cells[sa..sb]) {
                let i = c as usize - base;
                if i >= lo && i < hi {
                    *o = rowbuf[i];
                }
            }
        }
        diff[hi] = 0;
    }
}
