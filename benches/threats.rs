//! Threat-based evaluation benchmarks.
//!
//! * `theatre_routes_terrain`: the whole threat report of the theatre map (every asset ×
//!   launch area × threat class × flight altitude, straight great-circle routes, timelines with
//!   terrain line of sight) over a synthetic fractal terrain at 2 km cells, netting off.
//! * `least_exposure_1m_cells`: one least-exposure search on a grid of about 1 M cells
//!   (200 km route, detour cap 1.5, 310 m cells) against the Kyiv sites, flat terrain.
//! * `kyiv_coverage_own` / `kyiv_coverage_netted`: coverage of the Kyiv sites over the
//!   scenario's DEM and demand grid, without and with sensor netting.
//!
//! Run: `cargo bench --bench threats -- --warm-up-time 1 --measurement-time 3`.
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use skycover::route::{least_exposure_route, ExposureOptions};
use skycover::terrain::{synth, Terrain};
use skycover::threat_report::{threat_report, ReportOptions};
use skycover::timeline::Defence;
use skycover::{Coverage, Demand, Grid, Scenario};
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let theatre = Scenario::builtin("theatre").unwrap();
    let bbox = Terrain::scenario_bbox(&theatre, 2_000.0);
    let grid = Grid::covering(bbox, 2_000.0, 1 << 24).unwrap();
    let terrain =
        Terrain::from_local_dem(&synth::fractal(&grid, 2026, 300.0, 0.7).unwrap()).unwrap();
    let opts = ReportOptions {
        netting: Some(false),
        least_exposure: false,
        ..ReportOptions::default()
    };
    let r = threat_report(&theatre, theatre.sites(), &terrain, &opts).unwrap();
    eprintln!(
        "theatre: {} routes × altitudes ({} assets, {} launch areas), terrain {} × {} cells",
        r.routes.len(),
        theatre.assets().len(),
        theatre.threat_setup().launch_areas.len(),
        grid.nx,
        grid.ny
    );
    let mut g = c.benchmark_group("threats");
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    g.bench_function("theatre_routes_terrain", |b| {
        b.iter(|| black_box(threat_report(&theatre, theatre.sites(), &terrain, &opts).unwrap()))
    });

    let kyiv = Scenario::builtin("kyiv").unwrap();
    let cat = kyiv.catalogue();
    let drone = cat.threat_id("drone").unwrap();
    let d = Defence::new(cat, kyiv.sites());
    let to = kyiv.assets()[0].local;
    let from = [to[0] + 120_000.0, to[1] + 160_000.0]; // 200 km
    let eo = ExposureOptions {
        cell_m: 310.0,
        max_cells: 1_100_000,
        ..ExposureOptions::default()
    };
    let once = least_exposure_route(&d, drone, 50.0, from, to, &eo).unwrap();
    eprintln!(
        "least exposure: {} cells of {:.0} m, λ = {}, path {:.1} km",
        once.cells,
        once.cell_m,
        once.lambda,
        once.path.length_m() / 1e3
    );
    g.bench_function("least_exposure_1m_cells", |b| {
        b.iter(|| black_box(least_exposure_route(&d, drone, 50.0, from, to, &eo).unwrap()))
    });

    // coverage of the Kyiv sites over the scenario's DEM, each weapon cued by its own sensor
    // and with netting (the netted path adds a sensor and a kinematic evaluation)
    let demand = Demand::from_scenario(&kyiv).unwrap();
    eprintln!(
        "kyiv coverage: {} samples × {} layers, {} sites, DEM",
        demand.len(),
        cat.layers().len(),
        kyiv.sites().len()
    );
    for (name, net) in [("kyiv_coverage_own", false), ("kyiv_coverage_netted", true)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                black_box(
                    Coverage::for_scenario_demand_netting(&kyiv, &demand, kyiv.sites(), net)
                        .unwrap(),
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
