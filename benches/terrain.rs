//! Terrain masking benchmarks.
//!
//! * `viewshed_100km_250m`: viewshed of one site with a 100 km footprint on 250 m cells
//!   (about 503 k cells in range) over fractal terrain at 250 m (target ≤ 50 ms).
//! * `viewshed_100km_250m_4_layers`: the same site for four target heights at once
//!   (`Viewshed::compute_many`, horizons shared).
//! * `viewshed_20km_250m` vs `brute_force_los_20km_250m`: the sweep against the per-cell
//!   reference line of sight on a 20 km footprint (about 20 k cells).
//! * `scenario_load/<map>`: `Scenario::builtin` with the terrain the map names (Kyiv: ASCII
//!   DEM; Odesa: GLOBE GeoTIFF; theatre: none), parsed and resampled at 250 m / 625 m cells.
//!
//! Run: `cargo bench --bench terrain`.
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use skycover::terrain::{line_of_sight, synth, Terrain, Viewshed, ViewshedTarget};
use skycover::Grid;
use std::time::Duration;

const K: f64 = 4.0 / 3.0;

fn fractal_terrain(half: f64, cell: f64) -> (Terrain, Grid) {
    let grid = Grid::covering([-half, -half, half, half], cell, 1 << 24).unwrap();
    let dem = synth::fractal(&grid, 2024, 400.0, 0.7).unwrap();
    (Terrain::from_local_dem(&dem).unwrap(), grid)
}

fn bench(c: &mut Criterion) {
    let (terrain, grid) = fractal_terrain(101_000.0, 250.0);
    let site = [0.0, 0.0];
    let vs = Viewshed::compute(&terrain, site, 10.0, 50.0, K, 100_000.0, &grid).unwrap();
    let in_range = {
        let mut n = 0usize;
        for j in 0..grid.ny {
            for i in 0..grid.nx {
                let p = grid.centre(i, j);
                if p[0].hypot(p[1]) <= 100_000.0 {
                    n += 1;
                }
            }
        }
        n
    };
    eprintln!(
        "100 km footprint: {in_range} cells in range, {} visible, {} rays, {} threads",
        vs.count_visible(),
        vs.ray_count(),
        rayon::current_num_threads()
    );
    let mut g = c.benchmark_group("terrain");
    g.sample_size(20).measurement_time(Duration::from_secs(8));
    g.bench_function("viewshed_100km_250m", |b| {
        b.iter(|| {
            Viewshed::compute(&terrain, black_box(site), 10.0, 50.0, K, 100_000.0, &grid).unwrap()
        })
    });
    let layers: Vec<ViewshedTarget> = [25.0, 50.0, 100.0, 300.0]
        .iter()
        .map(|&h| ViewshedTarget {
            height_agl_m: h,
            max_range_m: 100_000.0,
        })
        .collect();
    g.bench_function("viewshed_100km_250m_4_layers", |b| {
        b.iter(|| {
            Viewshed::compute_many(&terrain, black_box(site), 10.0, K, &layers, &grid).unwrap()
        })
    });

    let (small, sgrid) = fractal_terrain(21_000.0, 250.0);
    g.bench_function("viewshed_20km_250m", |b| {
        b.iter(|| {
            Viewshed::compute(&small, black_box(site), 10.0, 50.0, K, 20_000.0, &sgrid).unwrap()
        })
    });
    g.bench_function("brute_force_los_20km_250m", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for j in 0..sgrid.ny {
                for i in 0..sgrid.nx {
                    let p = sgrid.centre(i, j);
                    if p[0].hypot(p[1]) <= 20_000.0
                        && line_of_sight(&small, black_box(site), 10.0, p, 50.0, K)
                    {
                        n += 1;
                    }
                }
            }
            n
        })
    });
    g.finish();
}

fn scenario_load(c: &mut Criterion) {
    let mut g = c.benchmark_group("scenario_load");
    g.sample_size(10);
    for name in ["kyiv", "odesa", "theatre"] {
        g.bench_function(name, |b| {
            b.iter(|| black_box(skycover::Scenario::builtin(name).unwrap()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench, scenario_load);
criterion_main!(benches);
