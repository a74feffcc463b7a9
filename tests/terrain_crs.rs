//! DEMs in any CRS: the same terrain written in longitude/latitude, UTM 36N (EPSG:32636) and
//! LAEA Europe (EPSG:3035) gives the same elevations and the same coverage; tiles mosaic;
//! the outside policy; `.prj` sidecars; scenario settings.
//!
//! The projected fixtures are made here, by reprojecting with `proj4rs` directly (not through
//! skycover's own CRS code), and written as float32 GeoTIFFs with GeoKeys.

mod common;

use common::geotiff::{geotiff_f32, GeoTags};
use proj4rs::proj::Proj;
use skycover::diagnostic::codes;
use skycover::terrain::{
    crs, resample::resample, Dem, DemCrs, OutsidePolicy, Terrain, TerrainModel,
};
use skycover::{Catalogue, Coverage, Demand, Error, LocalFrame, Scenario};

const WGS84: &str = "+proj=longlat +datum=WGS84 +no_defs";
const UTM36N: &str = "+proj=utm +zone=36 +datum=WGS84 +units=m +no_defs";
const LAEA: &str = "+proj=laea +lat_0=52 +lon_0=10 +x_0=4321000 +y_0=3210000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs";

fn proj(s: &str) -> Proj {
    Proj::from_proj_string(s).unwrap()
}

/// lon/lat degrees → projected metres, with proj4rs.
fn forward(dst: &Proj, lon: f64, lat: f64) -> [f64; 2] {
    let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
    proj4rs::transform::transform(&proj(WGS84), dst, &mut p).unwrap();
    [p.0, p.1]
}

/// projected metres → lon/lat degrees, with proj4rs.
fn inverse(src: &Proj, x: f64, y: f64) -> [f64; 2] {
    let mut p = (x, y, 0.0);
    proj4rs::transform::transform(src, &proj(WGS84), &mut p).unwrap();
    [p.0.to_degrees(), p.1.to_degrees()]
}

/// A float32 GeoTIFF (pixel-is-area) with the given GeoKeys.
fn geotiff(w: u32, h: u32, data: &[f32], ul: [f64; 2], cell: f64, keys: &[u16]) -> Vec<u8> {
    geotiff_nodata(w, h, data, ul, cell, keys, None)
}

/// [`geotiff`] with a `GDAL_NODATA` tag.
fn geotiff_nodata(
    w: u32,
    h: u32,
    data: &[f32],
    ul: [f64; 2],
    cell: f64,
    keys: &[u16],
    nodata: Option<&str>,
) -> Vec<u8> {
    let g = GeoTags {
        scale: [cell, cell, 0.0],
        tie: [0.0, 0.0, 0.0, ul[0], ul[1], 0.0],
        nodata,
        keys: Some(keys),
    };
    geotiff_f32(w, h, data, &g)
}

fn projected_keys(epsg: u16) -> [u16; 16] {
    [1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, epsg]
}

/// Reprojects `dem` (lon/lat) into the projected CRS `dst` (EPSG `epsg`) at `cell` metres,
/// over the projected bounding box of the DEM's interior, and reads it back as a GeoTIFF.
fn reproject(dem: &Dem, dst_def: &str, epsg: u16, cell: f64) -> Dem {
    reproject_tiff(dem, dst_def, epsg, cell).0
}

/// [`reproject`], also returning the GeoTIFF's bytes.
fn reproject_tiff(dem: &Dem, dst_def: &str, epsg: u16, cell: f64) -> (Dem, Vec<u8>) {
    let dst = proj(dst_def);
    let b = dem.bounds();
    // the projected box of the DEM (corners and edge midpoints), shrunk to stay inside it
    let mut pb = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for k in 0..=20 {
        let t = k as f64 / 20.0;
        for (lon, lat) in [
            (b[0] + t * (b[2] - b[0]), b[1]),
            (b[0] + t * (b[2] - b[0]), b[3]),
            (b[0], b[1] + t * (b[3] - b[1])),
            (b[2], b[1] + t * (b[3] - b[1])),
        ] {
            let [x, y] = forward(&dst, lon, lat);
            pb = [pb[0].min(x), pb[1].min(y), pb[2].max(x), pb[3].max(y)];
        }
    }
    let (w, h) = (
        ((pb[2] - pb[0]) / cell).floor() as u32,
        ((pb[3] - pb[1]) / cell).floor() as u32,
    );
    let mut data = Vec::with_capacity((w * h) as usize);
    let mut outside = 0;
    for r in 0..h {
        for c in 0..w {
            let x = pb[0] + (c as f64 + 0.5) * cell;
            let y = pb[3] - (r as f64 + 0.5) * cell;
            let [lon, lat] = inverse(&dst, x, y);
            match dem.sample(lon, lat) {
                Some(v) => data.push(v as f32),
                None => {
                    outside += 1;
                    data.push(-9999.0)
                }
            }
        }
    }
    assert!(
        outside > 0,
        "the projected box's corners lie outside the lon/lat DEM"
    );
    // the corners outside the lon/lat DEM are nodata
    let bytes = geotiff_nodata(
        w,
        h,
        &data,
        [pb[0], pb[3]],
        cell,
        &projected_keys(epsg),
        Some("-9999"),
    );
    let read = Dem::from_geotiff_bytes(&bytes).unwrap();
    assert_eq!(read.crs(), DemCrs::Epsg(epsg));
    assert!(!read.crs_assumed());
    assert_eq!(read.filled_cells(), outside);
    (read, bytes)
}

/// A smooth analytic elevation field in lon/lat: gentle hills, exactly known anywhere.
fn field(lon: f64, lat: f64) -> f64 {
    150.0 + 60.0 * (3.0 * (lon - 30.0)).sin() * (4.0 * (lat - 50.0)).cos() + 20.0 * (lat - 50.4)
}

#[test]
fn same_field_in_lonlat_utm_and_laea_gives_the_same_elevations() {
    let (lon0, lat0, nc, nr, cell) = (29.6, 50.0, 340usize, 200usize, 0.005);
    let sample_field = |c: usize, r: usize| {
        field(
            lon0 + (c as f64 + 0.5) * cell,
            lat0 + (nr as f64 - r as f64 - 0.5) * cell,
        ) as f32
    };
    let values: Vec<f32> = (0..nr)
        .flat_map(|r| (0..nc).map(move |c| sample_field(c, r)))
        .collect();
    let ll = Dem::new(
        DemCrs::LonLat,
        [lon0, lat0],
        [cell, cell],
        nc,
        nr,
        values,
        None,
    )
    .unwrap();
    // the projected rasters sample the analytic field directly at their own cell centres
    let write = |def: &str, epsg: u16, step: f64| -> Dem {
        let dst = proj(def);
        let b = ll.bounds();
        let [x0, y0] = forward(&dst, b[0], b[1]);
        let [x1, y1] = forward(&dst, b[2], b[3]);
        let pb = [
            x0.min(x1) - 30_000.0,
            y0.min(y1) - 30_000.0,
            x0.max(x1) + 30_000.0,
            y0.max(y1) + 30_000.0,
        ];
        let (w, h) = (
            ((pb[2] - pb[0]) / step) as u32,
            ((pb[3] - pb[1]) / step) as u32,
        );
        let data: Vec<f32> = (0..h)
            .flat_map(|r| (0..w).map(move |c| (r, c)))
            .map(|(r, c)| {
                let [lon, lat] = inverse(
                    &dst,
                    pb[0] + (c as f64 + 0.5) * step,
                    pb[3] - (r as f64 + 0.5) * step,
                );
                field(lon, lat) as f32
            })
            .collect();
        Dem::from_geotiff_bytes(&geotiff(
            w,
            h,
            &data,
            [pb[0], pb[3]],
            step,
            &projected_keys(epsg),
        ))
        .unwrap()
    };
    let utm = write(UTM36N, 32636, 250.0);
    let laea = write(LAEA, 3035, 250.0);
    assert_eq!(utm.crs(), DemCrs::Epsg(32636));
    assert_eq!(laea.crs(), DemCrs::Epsg(3035));
    let frame = LocalFrame::new(30.45, 50.45).unwrap();
    let bbox = [-40_000.0, -35_000.0, 40_000.0, 35_000.0];
    let t: Vec<Terrain> = [&ll, &utm, &laea]
        .iter()
        .map(|d| Terrain::from_dem(d, &frame, bbox, 200.0).unwrap())
        .collect();
    let mut worst = [0.0f64; 3];
    for k in 0..400 {
        let x = -38_000.0 + (k % 20) as f64 * 4_000.0 + (k / 20) as f64 * 37.0;
        let y = -33_000.0 + (k / 20) as f64 * 3_400.0;
        let (lon, lat) = frame.to_lonlat(x, y);
        let want = field(lon, lat);
        for (w, terrain) in worst.iter_mut().zip(&t) {
            *w = w.max((terrain.elevation(x, y) - want).abs());
        }
    }
    // double bilinear interpolation of a field whose curvature is ≤ ~0.05 m per (250 m)²:
    // a wrong datum, axis order or zone would be off by tens of metres
    for (name, w) in ["lon/lat", "UTM 36N", "LAEA Europe"].iter().zip(worst) {
        assert!(w < 1.0, "{name}: worst error {w} m");
    }
}

#[test]
fn kyiv_terrain_in_utm_and_laea_gives_the_same_coverage() {
    let scenario = Scenario::builtin("kyiv").unwrap();
    let ll = Dem::builtin("kyiv").unwrap();
    // the built-in DEM's cells are 0.005° ≈ 357 m × 556 m: reproject at 400 m
    let utm = reproject(&ll, UTM36N, 32636, 400.0);
    let laea = reproject(&ll, LAEA, 3035, 400.0);
    let demand = Demand::with_resolution(&scenario, 2_000.0).unwrap();
    let (cat, sites) = (scenario.catalogue(), scenario.sites());
    let cov = |dem: &Dem| -> Coverage {
        let t = Terrain::for_scenario_with_dem(&scenario, dem, 500.0).unwrap();
        Coverage::evaluate_with_terrain(cat, &demand, sites, &t).unwrap()
    };
    let (c_ll, c_utm, c_laea) = (cov(&ll), cov(&utm), cov(&laea));
    let flat = Coverage::evaluate(cat, &demand, sites).unwrap();
    let mut masked_something = false;
    for (n, t) in c_ll.threats().iter().enumerate() {
        eprintln!(
            "threat {n}: flat {:.2} %, lon/lat {:.2} %, UTM 36N {:.2} %, EPSG:3035 {:.2} %",
            100.0 * flat.threats()[n].fraction,
            100.0 * t.fraction,
            100.0 * c_utm.threats()[n].fraction,
            100.0 * c_laea.threats()[n].fraction
        );
    }
    for (n, t) in c_ll.threats().iter().enumerate() {
        let f = flat.threats()[n].fraction;
        masked_something |= t.fraction < f - 1e-3;
        for (name, other) in [("UTM 36N", &c_utm), ("EPSG:3035", &c_laea)] {
            let d = 100.0 * (other.threats()[n].fraction - t.fraction).abs();
            assert!(
                d <= 0.3,
                "threat {n}: lon/lat {:.2} %, {name} {:.2} %: {d:.3} points apart",
                100.0 * t.fraction,
                100.0 * other.threats()[n].fraction
            );
        }
    }
    assert!(
        masked_something,
        "the terrain must matter for this comparison to mean anything"
    );
}

#[test]
fn tiles_mosaic_like_the_whole_dem_first_tile_wins() {
    let whole = Dem::builtin("kyiv").unwrap();
    let (nc, nr) = (whole.ncols(), whole.nrows());
    let b = whole.bounds();
    let [dx, dy] = whole.cell_size();
    // west part (columns 0..=200) and east part (columns 180..), overlapping by 21 columns
    let cut = |c0: usize, c1: usize, add: f32| -> Dem {
        let vals: Vec<f32> = (0..nr)
            .flat_map(|r| (c0..c1).map(move |c| (r, c)))
            .map(|(r, c)| whole.value(c, r).unwrap() + add)
            .collect();
        Dem::new(
            DemCrs::LonLat,
            [b[0] + c0 as f64 * dx, b[1]],
            [dx, dy],
            c1 - c0,
            nr,
            vals,
            None,
        )
        .unwrap()
    };
    let west = cut(0, 201, 0.0);
    let east = cut(180, nc, 0.0);
    let scenario = Scenario::builtin("kyiv").unwrap();
    let frame = scenario.frame();
    let bbox = [-30_000.0, -30_000.0, 30_000.0, 30_000.0];
    let one = Terrain::from_dem(&whole, frame, bbox, 500.0).unwrap();
    let two = resample(
        &[west.clone(), east.clone()],
        frame,
        bbox,
        500.0,
        OutsidePolicy::Error,
    )
    .unwrap();
    assert!(two.diagnostics.is_empty(), "{:?}", two.diagnostics);
    // identical to the whole DEM except in the outer half cell of the first (west) tile's
    // east edge, where that tile clamps instead of interpolating
    let (g1, g2) = (one.grid().unwrap(), two.terrain.grid().unwrap());
    let west_edge = b[0] + 201.0 * dx;
    let mut differ = 0;
    for (n, (a, v)) in g1.values().iter().zip(g2.values()).enumerate() {
        if a != v {
            let (i, j) = (n % g1.nx(), n / g1.nx());
            let o = g1.origin();
            let (lon, _) = frame.to_lonlat(o[0] + i as f64 * 500.0, o[1] + j as f64 * 500.0);
            assert!(
                lon > west_edge - dx / 2.0 - 1e-9 && lon <= west_edge + 1e-9,
                "cell {i},{j} at lon {lon} differs: {a} vs {v}"
            );
            differ += 1;
        }
    }
    assert!(differ < g1.values().len() / 50, "{differ}");
    // first tile wins in the overlap: raise the east tile by 100 m and put it first
    let east_high = cut(180, nc, 100.0);
    let m = resample(
        &[east_high.clone(), west.clone()],
        frame,
        bbox,
        500.0,
        OutsidePolicy::Error,
    )
    .unwrap();
    let m2 = resample(&[west, east_high], frame, bbox, 500.0, OutsidePolicy::Error).unwrap();
    // a point in the overlap (lon ≈ 30.43): the first tile's value
    let x = frame.to_local(30.43, 50.45).unwrap();
    let base = one.elevation(x[0], x[1]);
    assert!((m.terrain.elevation(x[0], x[1]) - base - 100.0).abs() < 1e-3);
    assert!((m2.terrain.elevation(x[0], x[1]) - base).abs() < 1e-3);
    // tiles in different CRSs: the east tile reprojected to UTM 36N
    let east_utm = reproject(&cut(180, nc, 0.0), UTM36N, 32636, 300.0);
    let mixed = resample(
        &[east_utm, cut(0, 201, 0.0)],
        frame,
        bbox,
        500.0,
        OutsidePolicy::Error,
    )
    .unwrap();
    let diff = g1
        .values()
        .iter()
        .zip(mixed.terrain.grid().unwrap().values())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        diff < 60.0,
        "mixed-CRS mosaic differs from the whole DEM by {diff} m"
    );
}

/// A constant 1000 m DEM over the eastern half of a box only.
fn half_plateau() -> (Dem, LocalFrame, [f64; 4]) {
    let dem = Dem::new(
        DemCrs::LonLat,
        [30.5, 50.2],
        [0.01, 0.01],
        60,
        60,
        vec![1000.0; 3600],
        None,
    )
    .unwrap();
    (
        dem,
        LocalFrame::new(30.5, 50.45).unwrap(),
        [-20_000.0, -10_000.0, 20_000.0, 10_000.0],
    )
}

#[test]
fn partial_coverage_is_an_error_by_default_and_counted_when_filled() {
    let (dem, frame, bbox) = half_plateau();
    match Terrain::from_dem(&dem, &frame, bbox, 500.0) {
        Err(Error::TerrainNotCovered {
            uncovered_cells,
            total_cells,
            uncovered_lonlat,
        }) => {
            let f = uncovered_cells as f64 / total_cells as f64;
            assert!((0.4..0.6).contains(&f), "{f}");
            // the uncovered part is west of 30.5°E
            assert!(
                uncovered_lonlat[2] < 30.5 && uncovered_lonlat[0] > 30.2,
                "{uncovered_lonlat:?}"
            );
            let msg = Terrain::from_dem(&dem, &frame, bbox, 500.0)
                .unwrap_err()
                .to_string();
            assert!(
                msg.contains("terrain_outside") && msg.contains("lon "),
                "{msg}"
            );
        }
        other => panic!("expected TerrainNotCovered, got {other:?}"),
    }
    // the reported box equals the plain box of every uncovered cell centre (cells left at
    // 0 m by the flat policy under a 1000 m DEM)
    let Err(Error::TerrainNotCovered {
        uncovered_lonlat: got,
        uncovered_cells,
        ..
    }) = Terrain::from_dem(&dem, &frame, bbox, 500.0)
    else {
        panic!("expected TerrainNotCovered")
    };
    let flat = resample(
        std::slice::from_ref(&dem),
        &frame,
        bbox,
        500.0,
        OutsidePolicy::Flat,
    )
    .unwrap();
    let g = flat.terrain.grid().unwrap();
    let mut want = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    let mut n_zero = 0;
    for (n, v) in g.values().iter().enumerate() {
        if *v == 0.0 {
            n_zero += 1;
            let (x, y) = (
                g.origin()[0] + (n % g.nx()) as f64 * g.cell_m(),
                g.origin()[1] + (n / g.nx()) as f64 * g.cell_m(),
            );
            let (lon, lat) = frame.to_lonlat(x, y);
            want = [
                want[0].min(lon),
                want[1].min(lat),
                want[2].max(lon),
                want[3].max(lat),
            ];
        }
    }
    assert_eq!(uncovered_cells, n_zero);
    for k in 0..4 {
        assert!((got[k] - want[k]).abs() < 1e-9, "{got:?} vs {want:?}");
    }
    for (policy, want) in [
        (OutsidePolicy::Flat, 0.0),
        (OutsidePolicy::Height(120.0), 120.0),
    ] {
        let TerrainModel {
            terrain,
            diagnostics,
        } = resample(std::slice::from_ref(&dem), &frame, bbox, 500.0, policy).unwrap();
        assert_eq!(terrain.elevation(-15_000.0, 0.0), want);
        assert_eq!(terrain.elevation(15_000.0, 0.0), 1000.0);
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].code, codes::TERRAIN_OUTSIDE_FILLED);
        assert!(
            diagnostics[0].message.contains(" of "),
            "{}",
            diagnostics[0].message
        );
    }
    assert!(matches!(
        resample(&[dem], &frame, bbox, 500.0, OutsidePolicy::Height(f64::NAN)),
        Err(Error::InvalidInput { .. })
    ));
}

#[test]
fn crs_less_files_are_never_local_metres_by_themselves() {
    // metre-looking numbers, no CRS: unspecified, and resampling asks for the CRS
    let asc =
        "ncols 3\nnrows 3\nxllcorner 1000\nyllcorner 2000\ncellsize 100\n1 2 3\n4 5 6\n7 8 9\n";
    let dem = Dem::from_asc_str(asc).unwrap();
    assert_eq!(dem.crs(), DemCrs::Unspecified);
    let frame = LocalFrame::new(30.0, 50.0).unwrap();
    match Terrain::from_dem(&dem, &frame, [1000.0, 2000.0, 1300.0, 2300.0], 50.0) {
        Err(Error::UnsupportedCrs { crs, reason }) => {
            assert!(crs.contains("unspecified"), "{crs}");
            assert!(reason.contains("terrain_crs"), "{reason}");
        }
        other => panic!("expected UnsupportedCrs, got {other:?}"),
    }
    // explicitly local metres is fine
    let local = dem.with_crs(DemCrs::LocalMetres);
    assert!(Terrain::from_dem(&local, &frame, [1000.0, 2000.0, 1300.0, 2300.0], 50.0).is_ok());
    // degree-looking numbers are taken as lon/lat, and say so
    let geo = "ncols 2\nnrows 2\nxllcorner 30.0\nyllcorner 50.0\ncellsize 0.01\nNODATA_value -1\n1 -1\n3 4\n";
    let g = Dem::from_asc_str(geo).unwrap();
    assert_eq!(g.crs(), DemCrs::LonLat);
    assert!(g.crs_assumed());
    let codes_: Vec<&str> = g.diagnostics("DEM").iter().map(|d| d.code).collect();
    assert_eq!(
        codes_,
        [codes::TERRAIN_NODATA_FILLED, codes::TERRAIN_CRS_ASSUMED]
    );
    assert!(!g.with_crs(DemCrs::LonLat).crs_assumed());
}

#[test]
fn prj_sidecars_and_crs_names() {
    let dir = std::env::temp_dir().join(format!("skycover-prj-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let asc = "ncols 2\nnrows 2\nxllcorner 300000\nyllcorner 5500000\ncellsize 100\n1 2\n3 4\n";
    std::fs::write(dir.join("a.asc"), asc).unwrap();
    assert_eq!(
        Dem::from_path(dir.join("a.asc")).unwrap().crs(),
        DemCrs::Unspecified
    );
    let esri = r#"PROJCS["WGS_1984_UTM_Zone_36N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",33.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
    std::fs::write(dir.join("a.prj"), esri).unwrap();
    assert_eq!(
        Dem::from_path(dir.join("a.asc")).unwrap().crs(),
        DemCrs::Epsg(32636)
    );
    std::fs::write(dir.join("a.prj"), "PROJCS[\"My own grid\",GEOGCS[\"x\"]]").unwrap();
    match Dem::from_path(dir.join("a.asc")) {
        Err(Error::UnsupportedCrs { crs, .. }) => assert_eq!(crs, "My own grid"),
        other => panic!("expected UnsupportedCrs, got {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    // the shipped Kyiv DEM's sidecar declares EPSG:4326
    let shipped = Dem::from_path("data/terrain/kyiv.asc").unwrap();
    assert_eq!(
        (shipped.crs(), shipped.crs_assumed()),
        (DemCrs::LonLat, false)
    );
    assert!(shipped.diagnostics("DEM").is_empty());
    // WKT with an EPSG authority: the last one is the whole CRS
    let wkt = crs_definitions_wkt();
    assert_eq!(DemCrs::from_wkt(wkt).unwrap(), DemCrs::Epsg(3035));
    for (name, want) in [
        ("GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\"]]", DemCrs::LonLat),
        ("GEOGCS[\"GCS_ETRS_1989\"]", DemCrs::Epsg(4258)),
        ("PROJCS[\"WGS 84 / UTM zone 35S\"]", DemCrs::Epsg(32735)),
        ("PROJCS[\"ETRS89 / UTM zone 36N\"]", DemCrs::Epsg(25836)),
        ("PROJCS[\"ETRS_1989_UTM_Zone_35N\"]", DemCrs::Epsg(25835)),
        ("PROJCS[\"WGS 84 / Pseudo-Mercator\"]", DemCrs::Epsg(3857)),
        (
            "PROJCS[\"ETRS89-extended / LAEA Europe\"]",
            DemCrs::Epsg(3035),
        ),
        (
            "PROJCS[\"UCS-2000 / Gauss-Kruger zone 6\"]",
            DemCrs::Epsg(5564),
        ),
        (
            "PROJCS[\"UCS-2000 / Ukraine TM zone 10\"]",
            DemCrs::Epsg(6384),
        ),
    ] {
        assert_eq!(DemCrs::from_wkt(name).unwrap(), want, "{name}");
    }
}

fn crs_definitions_wkt() -> &'static str {
    r#"PROJCS["ETRS89 / LAEA Europe",GEOGCS["ETRS89",DATUM["European_Terrestrial_Reference_System_1989",SPHEROID["GRS 1980",6378137,298.257222101,AUTHORITY["EPSG","7019"]],TOWGS84[0,0,0,0,0,0,0],AUTHORITY["EPSG","6258"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4258"]],PROJECTION["Lambert_Azimuthal_Equal_Area"],PARAMETER["latitude_of_center",52],PARAMETER["longitude_of_center",10],PARAMETER["false_easting",4321000],PARAMETER["false_northing",3210000],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AUTHORITY["EPSG","3035"]]"#
}

#[test]
fn supported_crs_families_round_trip_and_match_their_definitions() {
    // every family the issue names builds and round-trips a point near Kyiv
    for code in [4258u32, 32636, 32736, 25836, 3857, 3035, 5564, 6384] {
        let crs = DemCrs::from_epsg(code).unwrap();
        let xy = crs::from_lonlat(crs, [30.52, 50.45]).unwrap();
        let back = crs::to_lonlat(crs, xy).unwrap();
        assert!(
            (back[0] - 30.52).abs() < 1e-7 && (back[1] - 50.45).abs() < 1e-7,
            "EPSG:{code}: {back:?}"
        );
    }
    // definitions: UTM 36N's central meridian at the equator is the false origin; 36S adds
    // 10 000 km; Web Mercator's x is R·λ
    let [e, n] = crs::from_lonlat(DemCrs::Epsg(32636), [33.0, 0.0]).unwrap();
    assert!((e - 500_000.0).abs() < 1e-6 && n.abs() < 1e-6);
    let [_, n] = crs::from_lonlat(DemCrs::Epsg(32736), [33.0, -0.000001]).unwrap();
    assert!((n - 10_000_000.0).abs() < 1.0);
    let [x, _] = crs::from_lonlat(DemCrs::Epsg(3857), [30.0, 50.0]).unwrap();
    assert!((x - 6_378_137.0 * 30f64.to_radians()).abs() < 1e-6);
    // UCS-2000 / Ukraine TM zone 10 (central meridian 30°E, false easting 300 km) vs UTM 36N
    // (33°E, 500 km): Kyiv lies ≈ 37 km east of the one and ≈ 177 km west of the other
    let wgs = crs::from_lonlat(DemCrs::Epsg(32636), [30.52, 50.45]).unwrap();
    let ucs = crs::from_lonlat(DemCrs::Epsg(6384), [30.52, 50.45]).unwrap();
    assert!((330_000.0..345_000.0).contains(&ucs[0]), "{ucs:?}");
    assert!((315_000.0..330_000.0).contains(&wgs[0]), "{wgs:?}");
    // unknown and unusable codes are errors naming them
    for bad in [99_999u32, 70_000, 4978] {
        match DemCrs::from_epsg(bad) {
            Err(Error::UnsupportedCrs { crs, .. }) => assert_eq!(crs, format!("EPSG:{bad}")),
            other => panic!("EPSG:{bad}: expected UnsupportedCrs, got {other:?}"),
        }
    }
    assert!(matches!(
        DemCrs::parse("UTM36"),
        Err(Error::UnsupportedCrs { .. })
    ));
}

#[test]
fn scenario_settings_choose_tiles_crs_and_outside_policy() {
    let kyiv = skycover::scenario::BUILTIN_SCENARIOS[0].1;
    let with = |settings: &str| -> String {
        kyiv.replacen("\"terrain\": \"../terrain/kyiv.asc\"", settings, 1)
    };
    let load = |text: &str| Scenario::from_geojson_str(text, Catalogue::builtin());
    // a list of tiles, a CRS, a policy
    let s = load(&with(
        "\"terrain\": [\"a.asc\", \"b.tif\"], \"terrain_crs\": \"EPSG:32636\", \"terrain_outside\": {\"height_m\": 120}",
    ))
    .unwrap();
    let src = &s.settings().terrain_source;
    assert_eq!(src.tiles, ["a.asc", "b.tif"]);
    assert_eq!(src.crs, Some(DemCrs::Epsg(32636)));
    assert_eq!(src.outside, OutsidePolicy::Height(120.0));
    assert_eq!(s.settings().terrain.as_deref(), Some("a.asc"));
    for (bad, field) in [
        ("\"terrain\": 5", "terrain"),
        ("\"terrain\": []", "terrain"),
        ("\"terrain\": [\"a.asc\", 3]", "terrain[1]"),
        (
            "\"terrain\": \"a.asc\", \"terrain_crs\": \"EPSG:99999\"",
            "terrain_crs",
        ),
        (
            "\"terrain\": \"a.asc\", \"terrain_outside\": \"zero\"",
            "terrain_outside",
        ),
        (
            "\"terrain\": \"a.asc\", \"terrain_outside\": {\"height_m\": \"x\"}",
            "terrain_outside.height_m",
        ),
    ] {
        match load(&with(bad)) {
            Err(Error::InvalidSetting { field: f, .. }) => assert_eq!(f, field, "{bad}"),
            other => panic!("{bad}: expected InvalidSetting, got {other:?}"),
        }
    }
    // files on disk: the whole scenario through the tiles and the CRS setting
    let dir = std::env::temp_dir().join(format!("skycover-tiles-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let utm = reproject(&Dem::builtin("kyiv").unwrap(), UTM36N, 32636, 400.0);
    std::fs::write(dir.join("kyiv_utm.asc"), utm.to_asc_string(2)).unwrap();
    // an .asc without .prj: the setting supplies the CRS
    let s = load(&with(
        "\"terrain\": [\"kyiv_utm.asc\"], \"terrain_crs\": \"EPSG:32636\"",
    ))
    .unwrap();
    let m = Terrain::for_scenario_with_diagnostics(&s, &dir, 1_000.0).unwrap();
    assert!(!m.terrain.is_flat());
    // without it: an error asking for the CRS, never local metres
    let s = load(&with("\"terrain\": \"kyiv_utm.asc\"")).unwrap();
    assert!(matches!(
        Terrain::for_scenario(&s, &dir, 1_000.0),
        Err(Error::UnsupportedCrs { .. })
    ));
    // a file declaring another CRS than the setting: an error, not an override
    std::fs::write(
        dir.join("kyiv_utm.prj"),
        "PROJCS[\"WGS 84 / UTM zone 35N\"]",
    )
    .unwrap();
    let s = load(&with(
        "\"terrain\": \"kyiv_utm.asc\", \"terrain_crs\": \"EPSG:32636\"",
    ))
    .unwrap();
    assert!(matches!(
        Terrain::for_scenario(&s, &dir, 1_000.0),
        Err(Error::InvalidSetting { .. })
    ));
    // the issue's case: a UTM 36N GeoTIFF named as the scenario's terrain is reprojected,
    // exactly as the in-memory DEM
    let (utm_dem, utm_tif) = reproject_tiff(&Dem::builtin("kyiv").unwrap(), UTM36N, 32636, 400.0);
    std::fs::write(dir.join("kyiv_utm.tif"), utm_tif).unwrap();
    let s = load(&with("\"terrain\": \"kyiv_utm.tif\"")).unwrap();
    let m = Terrain::for_scenario_with_diagnostics(&s, &dir, 1_000.0).unwrap();
    assert!(m.terrain == Terrain::for_scenario_with_dem(&s, &utm_dem, 1_000.0).unwrap());
    // its corners outside the lon/lat source are nodata, filled and reported
    assert_eq!(m.diagnostics.len(), 1);
    assert_eq!(m.diagnostics[0].code, codes::TERRAIN_NODATA_FILLED);
    let _ = std::fs::remove_dir_all(&dir);
    // clearing `terrain` after loading makes it flat
    let mut s = Scenario::builtin("kyiv").unwrap();
    s.settings_mut().terrain = None;
    assert!(Terrain::for_builtin_scenario(&s, 2_000.0)
        .unwrap()
        .is_flat());
    // the built-in Kyiv scenario records its terrain diagnostics
    let mut s = Scenario::builtin("kyiv").unwrap();
    let before = s.diagnostics().len();
    let t = s.build_terrain(None, 2_000.0).unwrap();
    assert!(!t.is_flat());
    let m = Terrain::for_builtin_scenario_with_diagnostics(&s, 2_000.0).unwrap();
    assert_eq!(s.diagnostics().len(), before + m.diagnostics.len());
}

#[test]
fn builtin_kyiv_scenario_lies_inside_its_dem_at_usual_terrain_cells() {
    // the default outside policy is an error: the shipped scenario must be covered at the
    // terrain cells the examples and tests use (100 m to 2 km)
    let s = Scenario::builtin("kyiv").unwrap();
    for cell in [100.0, 250.0, 500.0, 1_000.0, 2_000.0] {
        let m = Terrain::for_builtin_scenario_with_diagnostics(&s, cell)
            .unwrap_or_else(|e| panic!("{cell} m: {e}"));
        assert!(m.diagnostics.is_empty(), "{cell} m: {:?}", m.diagnostics);
    }
}
