//! DEM values a scenario must not take as ground: a file that does not declare its nodata
//! sentinel (1e30, 3.4e38, -32768) would otherwise raise or sink whole regions and change the
//! coverage silently.

use skycover::{Catalogue, Coverage, Error, Scenario};
use std::path::PathBuf;

/// Writes the Kyiv scenario with a 3 × 3 ESRI ASCII DEM of `values` (row-major, north first)
/// beside it, and loads it.
fn load_with_dem(tag: &str, values: [&str; 9], nodata: Option<&str>) -> Result<Scenario, Error> {
    let dir: PathBuf = std::env::temp_dir().join(format!("skycover-test-dem-values-{tag}"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut asc = String::from("ncols 3\nnrows 3\nxllcorner 29.0\nyllcorner 49.4\ncellsize 0.8\n");
    if let Some(n) = nodata {
        asc.push_str(&format!("NODATA_value {n}\n"));
    }
    for row in values.chunks(3) {
        asc.push_str(&row.join(" "));
        asc.push('\n');
    }
    std::fs::write(dir.join("dem.asc"), asc).unwrap();
    let mut v: serde_json::Value =
        serde_json::from_str(skycover::scenario::BUILTIN_SCENARIOS[0].1).unwrap();
    let sk = &mut v["skycover"];
    sk["terrain"] = "dem.asc".into();
    sk["terrain_crs"] = "EPSG:4326".into();
    sk["grid_resolution_m"] = 3000.into();
    let path = dir.join("scenario.geojson");
    std::fs::write(&path, v.to_string()).unwrap();
    Scenario::from_path(&path, Catalogue::builtin())
}

#[test]
fn undeclared_nodata_sentinels_are_refused_naming_the_value() {
    for (tag, sentinel) in [
        ("big", "1e30"),
        ("fltmax", "3.4028235e38"),
        ("srtm", "-32768"),
        ("high", "9500"),
    ] {
        let mut values = ["150"; 9];
        values[4] = sentinel;
        match load_with_dem(tag, values, None) {
            Ok(s) => panic!(
                "{tag}: a DEM with {sentinel} loaded: {}",
                s.terrain_summary()
            ),
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    msg.contains("terrain") && msg.contains("nodata"),
                    "{tag}: {msg}"
                );
            }
        }
    }
}

#[test]
fn real_relief_and_declared_nodata_still_load() {
    // the Dead Sea shore, a trench and Everest are real elevations
    let s = load_with_dem(
        "real",
        [
            "-430", "-10900", "8849", "150", "150", "150", "150", "150", "150",
        ],
        None,
    )
    .unwrap();
    assert!(!s.terrain().is_flat());
    // a declared sentinel is nodata, filled with a diagnostic, never ground
    let s = load_with_dem(
        "declared",
        [
            "150", "150", "150", "150", "1e30", "150", "150", "150", "150",
        ],
        Some("1e30"),
    )
    .unwrap();
    assert!(s
        .diagnostics()
        .iter()
        .any(|d| d.code == skycover::diagnostic::codes::TERRAIN_NODATA_FILLED));
    Coverage::of_scenario(&s).unwrap();
}

/// The public constructors refuse what scenario loading refuses: an elevation outside the
/// Earth's relief is an undeclared nodata value, a typed error naming the cell; declared as
/// `nodata`, the same value is filled from its neighbours.
#[test]
fn dems_built_in_code_refuse_impossible_elevations() {
    use skycover::terrain::{Dem, DemCrs, ElevationGrid};
    for bad in [1e30f32, -32768.0, 9500.0, -11_500.0, f32::MAX] {
        let mut v = vec![150.0f32; 9];
        v[4] = bad;
        match Dem::new(
            DemCrs::LonLat,
            [29.0, 49.4],
            [0.8, 0.8],
            3,
            3,
            v.clone(),
            None,
        ) {
            Err(Error::Terrain { reason }) => assert!(
                reason.contains("row 2, column 2") && reason.contains("nodata"),
                "{bad}: {reason}"
            ),
            other => panic!("{bad}: Dem::new accepted it: {other:?}"),
        }
        let dem = Dem::new(
            DemCrs::LonLat,
            [29.0, 49.4],
            [0.8, 0.8],
            3,
            3,
            v.clone(),
            Some(bad),
        )
        .unwrap();
        assert_eq!(dem.filled_cells(), 1);
        assert_eq!(dem.value(1, 1), Some(150.0));
        match ElevationGrid::new([0.0, 0.0], 100.0, 3, 3, v) {
            Err(Error::Terrain { reason }) => {
                assert!(
                    reason.contains("(1, 1)") && reason.contains("nodata"),
                    "{reason}"
                )
            }
            other => panic!("{bad}: ElevationGrid::new accepted it: {other:?}"),
        }
    }
    // the limits themselves are elevations
    let v = vec![-11_000.0, 9_000.0, 0.0, 1.0];
    assert!(Dem::new(
        DemCrs::LonLat,
        [29.0, 49.4],
        [0.8, 0.8],
        2,
        2,
        v.clone(),
        None
    )
    .is_ok());
    assert!(ElevationGrid::new([0.0, 0.0], 100.0, 2, 2, v).is_ok());
}
