//! Fixtures shared by the integration tests.
#![allow(dead_code)]

pub mod fuzz;
pub mod geotiff;
pub mod problems;

use skycover::catalogue::SystemClass;

/// Runs `f` on a rayon pool of `threads` threads (determinism checks across thread counts).
pub fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool")
        .install(f)
}
use skycover::{Catalogue, ClassId, LocalFrame, Scenario, Site};

/// The built-in catalogue with the given sector widths (degrees, in (0, 360]) per class.
pub fn catalogue_with_sectors(sectors: &[f64]) -> Catalogue {
    let base = Catalogue::builtin();
    let systems: Vec<SystemClass> = base
        .systems()
        .iter()
        .zip(sectors.iter().chain(std::iter::repeat(&360.0)))
        .map(|(s, &w)| {
            let mut s = s.clone();
            s.sector_deg = w.clamp(1.0, 360.0);
            s
        })
        .collect();
    Catalogue::from_classes("test".into(), base.threats().to_vec(), systems).unwrap()
}

/// A site of class `class` at local `p` facing `facing`.
pub fn site(class: usize, p: [f64; 2], facing: f64) -> Site {
    Site::new(ClassId(class), p, facing)
}

fn ring_json(frame: &LocalFrame, pts: &[[f64; 2]]) -> String {
    let mut v: Vec<String> = pts
        .iter()
        .map(|p| {
            let (lon, lat) = frame.to_lonlat(p[0], p[1]);
            format!("[{lon},{lat}]")
        })
        .collect();
    v.push(v[0].clone());
    format!("[{}]", v.join(","))
}

/// A scenario around Kyiv from local-metre geometry (converted to lon/lat through a frame at
/// 30.5°E 50.4°N; the scenario builds its own frame, so local positions shift): zones (one
/// ring each), assets, an optional corridor, at grid resolution `cell_m`.
pub fn scenario_from_local(
    zones: &[Vec<[f64; 2]>],
    assets: &[[f64; 2]],
    corridor: Option<&[[f64; 2]]>,
    cell_m: f64,
    catalogue: Catalogue,
) -> Scenario {
    let frame = LocalFrame::new(30.5, 50.4).unwrap();
    let mut features = Vec::new();
    for (k, z) in zones.iter().enumerate() {
        features.push(format!(
            r#"{{"type":"Feature","id":"z{k}","properties":{{"kind":"zone","priority":{}}},"geometry":{{"type":"Polygon","coordinates":[{}]}}}}"#,
            1 + k,
            ring_json(&frame, z)
        ));
    }
    for (k, a) in assets.iter().enumerate() {
        let (lon, lat) = frame.to_lonlat(a[0], a[1]);
        features.push(format!(
            r#"{{"type":"Feature","id":"a{k}","properties":{{"kind":"asset","value":2,"required_depth":{{"drone":2}}}},"geometry":{{"type":"Point","coordinates":[{lon},{lat}]}}}}"#
        ));
    }
    if let Some(c) = corridor {
        let pts: Vec<String> = c
            .iter()
            .map(|p| {
                let (lon, lat) = frame.to_lonlat(p[0], p[1]);
                format!("[{lon},{lat}]")
            })
            .collect();
        features.push(format!(
            r#"{{"type":"Feature","id":"c0","properties":{{"kind":"corridor","width_m":2000}},"geometry":{{"type":"LineString","coordinates":[{}]}}}}"#,
            pts.join(",")
        ));
    }
    let text = format!(
        r#"{{"type":"FeatureCollection","skycover":{{"name":"test","grid_resolution_m":{cell_m},"inventory":{{"counter_uas":{{"count":1}}}},"limits":{{"max_grid_cells":4000000}}}},"features":[{}]}}"#,
        features.join(",")
    );
    Scenario::from_geojson_str(&text, catalogue).unwrap()
}

/// A star-shaped polygon (simple by construction) with radii `r` at equal angles.
pub fn star(c: [f64; 2], r: &[f64]) -> Vec<[f64; 2]> {
    let n = r.len();
    (0..n)
        .map(|k| {
            let a = std::f64::consts::TAU * k as f64 / n as f64;
            [c[0] + r[k] * a.cos(), c[1] + r[k] * a.sin()]
        })
        .collect()
}
