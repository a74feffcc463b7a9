//! Resampling a DEM onto the local frame: 10⁶ local cells (1000 × 1000 at 100 m) from the
//! built-in Kyiv DEM in longitude/latitude, and from the same terrain in UTM 36N (EPSG:32636,
//! through proj4rs), and a two-tile mosaic.
//!
//! `cargo bench --bench dem_resample -- --warm-up-time 1 --measurement-time 3`

use criterion::{criterion_group, criterion_main, Criterion};
use skycover::terrain::{crs, resample::resample, Dem, DemCrs, OutsidePolicy};
use skycover::LocalFrame;
use std::hint::black_box;

/// The Kyiv DEM reprojected to UTM 36N at 300 m (nearest lon/lat sample per cell centre).
fn kyiv_utm() -> Dem {
    let ll = Dem::builtin("kyiv").expect("built-in DEM");
    let (x0, y0, cell, nc, nr) = (215_000.0, 5_540_000.0, 300.0, 380usize, 340usize);
    let mut v = Vec::with_capacity(nc * nr);
    for r in 0..nr {
        for c in 0..nc {
            let x = x0 + (c as f64 + 0.5) * cell;
            let y = y0 + (nr as f64 - r as f64 - 0.5) * cell;
            let [lon, lat] = crs::to_lonlat(DemCrs::Epsg(32636), [x, y]).expect("projects");
            v.push(ll.sample(lon, lat).unwrap_or(f64::NAN) as f32);
        }
    }
    Dem::new(
        DemCrs::Epsg(32636),
        [x0, y0],
        [cell, cell],
        nc,
        nr,
        v,
        Some(f32::NAN),
    )
    .expect("valid DEM")
}

fn bench(c: &mut Criterion) {
    let ll = Dem::builtin("kyiv").expect("built-in DEM");
    let utm = kyiv_utm();
    let frame = LocalFrame::new(30.4, 50.45).expect("frame");
    let bbox = [-50_000.0, -50_000.0, 49_999.0, 49_999.0];
    let mut g = c.benchmark_group("dem_resample");
    g.sample_size(10);
    for (name, dems) in [
        ("lonlat_1e6_cells", vec![ll.clone()]),
        ("utm36n_1e6_cells", vec![utm.clone()]),
        ("mosaic_utm_then_lonlat_1e6_cells", vec![utm, ll]),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                black_box(
                    resample(&dems, &frame, bbox, 100.0, OutsidePolicy::Flat).expect("resamples"),
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
