//! Coverage evaluation, the hot path: each evaluation path on synthetic square grids.
//!
//! Inputs (built outside the timed loop, fixed seeds): a square zone of 200 km × 200 km
//! discretised into about 100 k or 1 M cells, every layer of the built-in catalogue, and 50 or
//! 500 mixed sites spread uniformly over the zone (10 % Patriot-class with random facings,
//! 30 % medium-range, 60 % counter-UAS). Each iteration is a full `Evaluator::evaluate`
//! (depths and summaries), flat terrain.
//!
//! `coverage_1m_cells_terrain`: the 1 M-cell case with 500 sites on fractal terrain (400 m
//! amplitude, 200 m cells, fixed seed): flat raster evaluation, the same with terrain
//! masking (`Evaluator::with_terrain`), the same reading warm minimum-height maps
//! (`Evaluator::with_min_height_cache`, `raster_terrain_warm`), and the viewshed sweeps alone (one
//! `Viewshed::compute_many_in_sector` per site for its distinct layer altitudes, restricted to
//! its padded sector for sector radars, sites in parallel, as the evaluator does; the evaluator
//! also shares the ground under the cells between sites, which this public-API loop cannot).
//! Compare flat and terrain within one run: the machine is shared.
//!
//! Run: `cargo bench --bench coverage` (terrain only: `cargo bench --bench coverage -- terrain`).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;
use rayon::prelude::*;
use skycover::evaluate::{EvalPath, Evaluator};
use skycover::terrain::{site_viewshed_sector, site_viewshed_targets, synth, Terrain, Viewshed};
use skycover::{Catalogue, Demand, Grid, Site};
use std::hint::black_box;
use std::time::Duration;

/// Side of the square zone, metres.
const SIDE_M: f64 = 200_000.0;

/// A square grid demand of about `cells` cells over the zone.
fn demand(cells: usize) -> Demand {
    let n = (cells as f64).sqrt().round() as usize;
    let cell_m = SIDE_M / n as f64;
    let grid = Grid {
        origin: [-SIDE_M / 2.0 + cell_m / 2.0; 2],
        cell_m,
        nx: n,
        ny: n,
    };
    Demand::from_grid(grid, &vec![true; grid.len()], &[1, 1, 2, 2]).expect("valid grid")
}

/// `n` mixed sites uniformly over the zone (seeded).
fn sites(cat: &Catalogue, n: usize, seed: u64) -> Vec<Site> {
    let mut rng = Pcg64::seed_from_u64(seed);
    let patriot = cat.class_id("patriot_class").expect("built-in class");
    let medium = cat.class_id("medium_range").expect("built-in class");
    let cuas = cat.class_id("counter_uas").expect("built-in class");
    (0..n)
        .map(|k| {
            let class = match k % 10 {
                0 => patriot,
                1..=3 => medium,
                _ => cuas,
            };
            let p = [
                rng.random_range(-SIDE_M / 2.0..SIDE_M / 2.0),
                rng.random_range(-SIDE_M / 2.0..SIDE_M / 2.0),
            ];
            Site::new(class, p, rng.random_range(0.0..360.0))
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let cat = Catalogue::builtin();
    let site_sets: Vec<(usize, Vec<Site>)> = [50, 500]
        .into_iter()
        .map(|n| (n, sites(&cat, n, 0x5eed + n as u64)))
        .collect();

    let d100k = demand(100_000);
    let mut g = c.benchmark_group("coverage_100k_cells");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    for (n, s) in &site_sets {
        for (name, path) in [
            ("raster", EvalPath::Raster),
            ("rtree", EvalPath::RTree),
            ("reference", EvalPath::Reference),
        ] {
            let eval = Evaluator::with_path(path);
            g.bench_with_input(BenchmarkId::new(name, n), s, |b, s| {
                b.iter(|| black_box(eval.evaluate(&cat, &d100k, s).expect("valid input")))
            });
        }
    }
    g.finish();
    drop(d100k);

    let d1m = demand(1_000_000);
    let mut g = c.benchmark_group("coverage_1m_cells");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    for (n, s) in &site_sets {
        let eval = Evaluator::with_path(EvalPath::Raster);
        g.bench_with_input(BenchmarkId::new("raster", n), s, |b, s| {
            b.iter(|| black_box(eval.evaluate(&cat, &d1m, s).expect("valid input")))
        });
        let eval = Evaluator::with_path(EvalPath::Raster);
        g.bench_with_input(BenchmarkId::new("raster_depths_only", n), s, |b, s| {
            b.iter(|| black_box(eval.depths(&cat, &d1m, s).expect("valid input")))
        });
    }
    g.finish();

    // terrain: fractal relief over the zone (padded), 200 m cells like the demand grid
    let extent = Grid::covering(
        [
            -SIDE_M / 2.0 - 1_000.0,
            -SIDE_M / 2.0 - 1_000.0,
            SIDE_M / 2.0 + 1_000.0,
            SIDE_M / 2.0 + 1_000.0,
        ],
        200.0,
        1 << 24,
    )
    .expect("valid extent");
    let terrain =
        Terrain::from_local_dem(&synth::fractal(&extent, 2024, 400.0, 0.7).expect("valid"))
            .expect("local DEM");
    let (_, s500) = &site_sets[1];
    let flat = Evaluator::with_path(EvalPath::Raster)
        .evaluate(&cat, &d1m, s500)
        .expect("valid input");
    let masked = Evaluator::with_path(EvalPath::Raster)
        .with_terrain(terrain.clone())
        .evaluate(&cat, &d1m, s500)
        .expect("valid input");
    eprintln!(
        "1 M cells, 500 sites: overall fraction flat {:.4}, with terrain {:.4}",
        flat.overall().fraction,
        masked.overall().fraction
    );
    // CPU time (all threads) per evaluation, flat and with terrain, for the report: the
    // machine is shared, so wall time alone says little about the work done
    for (name, eval) in [
        ("flat", Evaluator::with_path(EvalPath::Raster)),
        (
            "terrain",
            Evaluator::with_path(EvalPath::Raster).with_terrain(terrain.clone()),
        ),
    ] {
        const RUNS: u32 = 5;
        let (cpu0, wall0) = (process_cpu_s(), std::time::Instant::now());
        for _ in 0..RUNS {
            black_box(eval.evaluate(&cat, &d1m, s500).expect("valid input"));
        }
        if let Some(cpu0) = cpu0 {
            if let Some(cpu1) = process_cpu_s() {
                eprintln!(
                    "1 M cells, 500 sites, {name}: {:.3} s CPU, {:.3} s wall per evaluation",
                    (cpu1 - cpu0) / f64::from(RUNS),
                    wall0.elapsed().as_secs_f64() / f64::from(RUNS)
                );
            }
        }
    }
    let mut g = c.benchmark_group("coverage_1m_cells_terrain");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    let eval = Evaluator::with_path(EvalPath::Raster);
    g.bench_function("raster_flat/500", |b| {
        b.iter(|| black_box(eval.evaluate(&cat, &d1m, s500).expect("valid input")))
    });
    let eval = Evaluator::with_path(EvalPath::Raster).with_terrain(terrain.clone());
    g.bench_function("raster_terrain/500", |b| {
        b.iter(|| black_box(eval.evaluate(&cat, &d1m, s500).expect("valid input")))
    });
    // warm: masks read from per-site minimum-height maps already in the cache (one
    // comparison per cell and altitude); the cold figure above stays the main number
    let heights = std::sync::Arc::new(skycover::terrain::MinHeightCache::with_capacity_bytes(
        terrain.clone(),
        *d1m.grid(),
        1 << 30,
    ));
    let eval = Evaluator::with_path(EvalPath::Raster)
        .with_terrain(terrain.clone())
        .with_min_height_cache(heights.clone());
    let warm = eval.evaluate(&cat, &d1m, s500).expect("valid input");
    eprintln!(
        "1 M cells, 500 sites: minimum-height maps {} MB ({:?} hits/misses/declined), \
         fraction warm {:.6} vs swept {:.6}",
        heights.cached_bytes() >> 20,
        heights.stats(),
        warm.overall().fraction,
        masked.overall().fraction
    );
    g.bench_function("raster_terrain_warm/500", |b| {
        b.iter(|| black_box(eval.evaluate(&cat, &d1m, s500).expect("valid input")))
    });
    let grid = *d1m.grid();
    g.bench_function("viewsheds_only/500", |b| {
        b.iter(|| {
            let n: usize = s500
                .par_iter()
                .map(|s| {
                    let class = cat.try_class(s.class, "class").unwrap();
                    let (targets, _) = site_viewshed_targets(&cat, s, &terrain);
                    let sector = site_viewshed_sector(&cat, s, &terrain);
                    Viewshed::compute_many_in_sector(
                        &terrain,
                        s.position,
                        class.antenna_height_m,
                        class.refraction_k,
                        &targets,
                        &grid,
                        sector,
                    )
                    .expect("valid input")
                    .len()
                })
                .sum();
            black_box(n)
        })
    });
    g.finish();
}

/// CPU time (user + system, all threads) of this process so far, seconds, from
/// `/proc/self/stat` (`None` where that is not available); clock ticks of 1/100 s.
fn process_cpu_s() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // fields after the command name (which is in parentheses and may hold spaces)
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let (utime, stime): (f64, f64) = (f.get(11)?.parse().ok()?, f.get(12)?.parse().ok()?);
    Some((utime + stime) / 100.0)
}

criterion_group!(benches, bench);
criterion_main!(benches);
