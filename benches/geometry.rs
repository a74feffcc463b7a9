//! Geometry between lon/lat and the local frame (issue 10): the per-site true-bearing map,
//! densification of long lon/lat edges, loading the built-in theatre map (densify + extent
//! check included), candidate generation over it (one bearing map per sector-radar position),
//! and antimeridian splitting of an exported footprint.
//!
//! Run: `cargo bench --bench geometry -- --warm-up-time 1 --measurement-time 3`.

use criterion::{criterion_group, criterion_main, Criterion};
use geo::LineString;
use skycover::export::footprint_polygon;
use skycover::geometry::antimeridian::unproject_polygon;
use skycover::geometry::densify::Densifier;
use skycover::placement::candidates::scenario_candidates;
use skycover::{Catalogue, Footprint, LocalFrame, Scenario, Site};
use std::hint::black_box;

fn geometry(c: &mut Criterion) {
    let mut g = c.benchmark_group("geometry");
    let frame = LocalFrame::new(30.0, 48.5).expect("valid centre");
    g.bench_function("bearing_map_300km", |b| {
        b.iter(|| black_box(frame.bearing_map_local(black_box(300_000.0), 1_000.0)))
    });
    // a 440 km zone between two parallels
    let zone = LineString::from(vec![
        (27.0, 48.5),
        (33.0, 48.5),
        (33.0, 49.0),
        (27.0, 49.0),
        (27.0, 48.5),
    ]);
    g.bench_function("densify_440km_zone_10m", |b| {
        b.iter(|| {
            let mut d = Densifier::new(&frame, 10.0);
            black_box(d.project_line(black_box(&zone)).expect("within cap"))
        })
    });
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/scenarios/theatre.geojson"
    ))
    .expect("theatre map");
    g.bench_function("load_theatre", |b| {
        b.iter(|| {
            black_box(
                Scenario::from_geojson_str(black_box(&text), Catalogue::builtin()).expect("loads"),
            )
        })
    });
    let theatre = Scenario::builtin("theatre").expect("loads");
    g.bench_function("candidates_theatre", |b| {
        b.iter(|| black_box(scenario_candidates(black_box(&theatre)).expect("within limits")))
    });
    let fiji = LocalFrame::new(180.0, -17.0).expect("valid centre");
    let cat = Catalogue::builtin();
    let medium = cat.class_id("medium_range").expect("built-in class");
    let aircraft = cat.threat_id("aircraft").expect("built-in threat");
    let layer = cat.layers_of(aircraft).next().expect("a layer");
    let fp = Footprint::new(&cat, &Site::new(medium, [-5_000.0, 0.0], 0.0), layer);
    let poly = footprint_polygon(&fp, 96).expect("non-empty");
    g.bench_function("split_footprint_at_180", |b| {
        b.iter(|| black_box(unproject_polygon(&fiji, black_box(&poly))))
    });
    g.finish();
}

criterion_group!(benches, geometry);
criterion_main!(benches);
