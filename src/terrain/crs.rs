//! Coordinate reference systems of DEMs, and the mapping from the scenario's local frame into
//! them.
//!
//! A [`Dem`](super::Dem) carries a [`DemCrs`]: WGS84 longitude/latitude, metres of the
//! scenario's own local frame, an EPSG code, or [`DemCrs::Unspecified`] when its file said
//! nothing and its numbers do not look like longitude/latitude. Where the CRS comes from:
//!
//! * GeoTIFF: the GeoKeys `GTModelTypeGeoKey` (1024), `GeographicTypeGeoKey` (2048) and
//!   `ProjectedCSTypeGeoKey` (3072);
//! * ESRI ASCII grid: its `.prj` sidecar, WKT ([`DemCrs::from_wkt`]: the EPSG `AUTHORITY` /
//!   `ID` of the whole CRS, else a well-known name such as `WGS 84 / UTM zone 36N`);
//! * explicitly: [`Dem::with_crs`](super::Dem::with_crs), or the scenario setting
//!   `"terrain_crs": "EPSG:32636"` ([`DemCrs::parse`]).
//!
//! Projected and non-WGS84 geographic CRSs are handled through [`proj4rs`] with the
//! proj4 definitions of [`crs_definitions`]: every EPSG code those define with a projection
//! proj4rs implements (UTM north and south on any datum, Web Mercator EPSG:3857, LAEA Europe
//! EPSG:3035, the Ukrainian UCS-2000 Gauss-Kruger and TM zones EPSG:5562–5583 and
//! 6381–6387, Lambert conformal, Albers, stereographic, ...). Datum shifts use the
//! definitions' `towgs84` parameters (Helmert, metre-level, as proj4 does). A code that is not
//! defined, or whose projection is not implemented, is refused with
//! [`Error::UnsupportedCrs`] naming it.

use crate::error::{Error, Result};
use crate::frame::LocalFrame;
use proj4rs::proj::Proj;
use std::fmt;

/// What a DEM's coordinates are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DemCrs {
    /// WGS84 longitude (x) and latitude (y) in degrees (EPSG:4326).
    LonLat,
    /// Metres east (x) and north (y) in the scenario's local frame ([`crate::LocalFrame`]).
    /// Only when asked for explicitly (or produced by [`crate::terrain::synth`]): a file is
    /// never taken as local metres by itself.
    LocalMetres,
    /// An EPSG coordinate reference system other than EPSG:4326 (checked to be supported by
    /// [`DemCrs::from_epsg`]).
    Epsg(u16),
    /// The file carried no CRS and its numbers do not look like longitude/latitude:
    /// resampling refuses it until a CRS is given ([`Dem::with_crs`](super::Dem::with_crs),
    /// the scenario setting `terrain_crs`).
    Unspecified,
}

impl fmt::Display for DemCrs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DemCrs::LonLat => f.write_str("EPSG:4326 (WGS84 longitude/latitude)"),
            DemCrs::LocalMetres => f.write_str("local metres of the scenario frame"),
            DemCrs::Epsg(c) => write!(f, "EPSG:{c}"),
            DemCrs::Unspecified => f.write_str("unspecified CRS"),
        }
    }
}

fn unsupported(crs: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::UnsupportedCrs {
        crs: crs.into(),
        reason: reason.into(),
    }
}

/// The proj4 definition of WGS84 longitude/latitude, the frame's own geographic CRS.
const WGS84: &str = "+proj=longlat +datum=WGS84 +no_defs";

impl DemCrs {
    /// Guesses the CRS of a raster whose file carries none (an ESRI ASCII grid without `.prj`,
    /// a GeoTIFF without GeoKeys): [`DemCrs::LonLat`] iff the raster lies within
    /// [-360, 360] × [-90, 90] and its cells are at most 0.1 (degrees, about 11 km), which no
    /// metre-based DEM of any use satisfies; otherwise [`DemCrs::Unspecified`] (never local
    /// metres: say so with [`Dem::with_crs`](super::Dem::with_crs)). Readers that guess
    /// longitude/latitude record it ([`Dem::crs_assumed`](super::Dem::crs_assumed)) and
    /// terrain building reports it as a `terrain.crs_assumed` diagnostic.
    pub fn guess(bounds: [f64; 4], cell_size: [f64; 2]) -> DemCrs {
        let in_range =
            bounds[0] >= -360.0 && bounds[2] <= 360.0 && bounds[1] >= -90.0 && bounds[3] <= 90.0;
        if in_range && cell_size[0] <= 0.1 && cell_size[1] <= 0.1 {
            DemCrs::LonLat
        } else {
            DemCrs::Unspecified
        }
    }

    /// The CRS of an EPSG code: 4326 is [`DemCrs::LonLat`]; any other code must have a proj4
    /// definition in [`crs_definitions`] whose projection [`proj4rs`] implements.
    ///
    /// # Errors
    /// [`Error::UnsupportedCrs`] naming `EPSG:code` when it is unknown, geocentric, or its
    /// projection is not implemented.
    ///
    /// # Examples
    /// ```
    /// use skycover::terrain::DemCrs;
    /// assert_eq!(DemCrs::from_epsg(4326)?, DemCrs::LonLat);
    /// assert_eq!(DemCrs::from_epsg(32636)?, DemCrs::Epsg(32636)); // WGS 84 / UTM zone 36N
    /// assert!(DemCrs::from_epsg(99_999).is_err());
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn from_epsg(code: u32) -> Result<DemCrs> {
        if code == 4326 {
            return Ok(DemCrs::LonLat);
        }
        let name = format!("EPSG:{code}");
        let def = u16::try_from(code)
            .ok()
            .and_then(crs_definitions::from_code)
            .ok_or_else(|| {
                unsupported(
                    &name,
                    "no definition of this EPSG code is known (reproject the DEM to a common CRS such as EPSG:4326 or a UTM zone)",
                )
            })?;
        let proj = Proj::from_proj_string(def.proj4).map_err(|e| {
            unsupported(
                &name,
                format!("its definition `{}` cannot be used: {e}", def.proj4),
            )
        })?;
        if proj.is_geocent() {
            return Err(unsupported(
                &name,
                "it is a geocentric (X, Y, Z) CRS, not a map of the ground",
            ));
        }
        Ok(DemCrs::Epsg(def.code))
    }

    /// Parses a CRS setting: `"EPSG:32636"` (any case; a bare number is taken as an EPSG
    /// code), `"lonlat"` / `"WGS84"`, or `"local"` / `"local_metres"` (metres of the scenario's
    /// local frame: only for DEMs made in that frame).
    ///
    /// # Errors
    /// [`Error::UnsupportedCrs`] naming the text when it is none of these or an unsupported
    /// EPSG code.
    ///
    /// # Examples
    /// ```
    /// use skycover::terrain::DemCrs;
    /// assert_eq!(DemCrs::parse("EPSG:3035")?, DemCrs::Epsg(3035));
    /// assert_eq!(DemCrs::parse("epsg:4326")?, DemCrs::LonLat);
    /// assert_eq!(DemCrs::parse("local")?, DemCrs::LocalMetres);
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<DemCrs> {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        match lower.as_str() {
            "lonlat" | "wgs84" | "wgs 84" => return Ok(DemCrs::LonLat),
            "local" | "local_metres" | "local_meters" => return Ok(DemCrs::LocalMetres),
            _ => {}
        }
        let digits = lower.strip_prefix("epsg:").unwrap_or(&lower).trim();
        match digits.parse::<u32>() {
            Ok(code) => DemCrs::from_epsg(code),
            Err(_) => Err(unsupported(
                t,
                "expected \"EPSG:<code>\" (e.g. \"EPSG:32636\"), \"lonlat\" or \"local\"",
            )),
        }
    }

    /// The CRS described by a WKT text (an ESRI `.prj` sidecar, WKT1 or WKT2): the EPSG code of
    /// the whole CRS (its last `AUTHORITY["EPSG","…"]` or `ID["EPSG",…]`) when there is one,
    /// else the CRS name recognised among well-known ones: `WGS 84` / `GCS_WGS_1984`,
    /// `ETRS89`, `WGS 84 / UTM zone 36N` (and `WGS_1984_UTM_Zone_36N`, `…S`), `ETRS89 / UTM zone
    /// 35N` (`ETRS_1989_UTM_Zone_35N`), `WGS 84 / Pseudo-Mercator`
    /// (`WGS_1984_Web_Mercator_Auxiliary_Sphere`), `ETRS89-extended / LAEA Europe`
    /// (`ETRS_1989_LAEA`), `UCS-2000 / Gauss-Kruger zone 6`, `UCS-2000 / Ukraine TM zone 10`.
    ///
    /// # Errors
    /// [`Error::UnsupportedCrs`] naming the CRS (its name in the WKT) when it is not
    /// recognised or not supported.
    ///
    /// # Examples
    /// ```
    /// use skycover::terrain::DemCrs;
    /// let esri = r#"PROJCS["WGS_1984_UTM_Zone_36N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",
    ///     SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],
    ///     UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],
    ///     PARAMETER["Central_Meridian",33.0],UNIT["Meter",1.0]]"#;
    /// assert_eq!(DemCrs::from_wkt(esri)?, DemCrs::Epsg(32636));
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn from_wkt(wkt: &str) -> Result<DemCrs> {
        if let Some(code) = last_epsg_authority(wkt) {
            return DemCrs::from_epsg(code);
        }
        let name = wkt_name(wkt).unwrap_or_default();
        match code_from_name(&name) {
            Some(code) => DemCrs::from_epsg(code),
            None => Err(unsupported(
                if name.is_empty() { "WKT without a name" } else { name.as_str() },
                "a CRS without an EPSG AUTHORITY and not among the well-known names (WGS 84, ETRS89, UTM zones, Pseudo-Mercator, LAEA Europe, UCS-2000 zones); give the CRS explicitly, e.g. \"terrain_crs\": \"EPSG:32636\"",
            )),
        }
    }

    /// The EPSG code, when the CRS is one (4326 for [`DemCrs::LonLat`]).
    pub fn epsg(&self) -> Option<u16> {
        match self {
            DemCrs::LonLat => Some(4326),
            DemCrs::Epsg(c) => Some(*c),
            DemCrs::LocalMetres | DemCrs::Unspecified => None,
        }
    }
}

/// The code of the last `AUTHORITY["EPSG","n"]` (WKT1) or `ID["EPSG",n]` (WKT2) in `wkt`: the
/// one of the whole CRS, which both forms put last.
fn last_epsg_authority(wkt: &str) -> Option<u32> {
    let upper = wkt.to_ascii_uppercase();
    let mut best: Option<(usize, u32)> = None;
    for key in ["AUTHORITY[", "ID["] {
        let mut from = 0;
        while let Some(p) = upper[from..].find(key) {
            let start = from + p + key.len();
            from = start;
            // the keyword must not be the tail of another word (e.g. `GRID[`)
            let before = upper[..start - key.len()].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let rest = &upper[start..];
            let end = rest.find(']').unwrap_or(rest.len());
            let mut parts = rest[..end]
                .split(',')
                .map(|s| s.trim().trim_matches('"').trim());
            if parts.next() != Some("EPSG") {
                continue;
            }
            if let Some(code) = parts.next().and_then(|s| s.parse::<u32>().ok()) {
                if best.map_or(true, |(q, _)| start > q) {
                    best = Some((start, code));
                }
            }
        }
    }
    best.map(|(_, c)| c)
}

/// The name of the outermost CRS of a WKT text: the first quoted string.
fn wkt_name(wkt: &str) -> Option<String> {
    let a = wkt.find('"')?;
    let b = wkt[a + 1..].find('"')?;
    Some(wkt[a + 1..a + 1 + b].to_string())
}

/// EPSG codes of well-known CRS names (EPSG and ESRI spellings).
fn code_from_name(name: &str) -> Option<u32> {
    // normalise: lower case, runs of non-alphanumerics to one space
    let mut n = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            n.push(c.to_ascii_lowercase());
        } else if !n.ends_with(' ') {
            n.push(' ');
        }
    }
    let n = n.trim();
    let utm_zone = |rest: &str| -> Option<(u32, bool)> {
        let z = rest.trim();
        let (digits, hemi) = z.split_at(z.find(|c: char| !c.is_ascii_digit())?);
        let zone: u32 = digits.parse().ok()?;
        let north = match hemi.trim() {
            "n" => true,
            "s" => false,
            _ => return None,
        };
        (1..=60).contains(&zone).then_some((zone, north))
    };
    let after = |prefixes: &[&str]| prefixes.iter().find_map(|p| n.strip_prefix(p));
    if matches!(n, "wgs 84" | "gcs wgs 1984" | "wgs 1984") {
        return Some(4326);
    }
    if matches!(n, "etrs89" | "gcs etrs 1989" | "etrs 1989") {
        return Some(4258);
    }
    if matches!(
        n,
        "wgs 84 pseudo mercator" | "wgs 1984 web mercator auxiliary sphere" | "web mercator"
    ) {
        return Some(3857);
    }
    if matches!(
        n,
        "etrs89 extended laea europe" | "etrs89 laea europe" | "etrs 1989 laea" | "etrs89 laea"
    ) {
        return Some(3035);
    }
    if let Some(rest) = after(&["wgs 84 utm zone ", "wgs 1984 utm zone "]) {
        let (zone, north) = utm_zone(rest)?;
        return Some(if north { 32600 } else { 32700 } + zone);
    }
    if let Some(rest) = after(&["etrs89 utm zone ", "etrs 1989 utm zone "]) {
        let (zone, north) = utm_zone(rest)?;
        // ETRS89 / UTM zone 28N..38N are EPSG:25828..25838
        return (north && (28..=38).contains(&zone)).then_some(25800 + zone);
    }
    if let Some(rest) = after(&["ucs 2000 gauss kruger zone "]) {
        let zone: u32 = rest.trim().parse().ok()?;
        // 6° zones 4..7: EPSG:5562..5565
        return (4..=7).contains(&zone).then_some(5558 + zone);
    }
    if let Some(rest) = after(&["ucs 2000 ukraine tm zone "]) {
        let zone: u32 = rest.trim().parse().ok()?;
        // 3° zones 7..13: EPSG:6381..6387
        return (7..=13).contains(&zone).then_some(6374 + zone);
    }
    None
}

/// Maps WGS84 longitude/latitude (degrees) into a DEM's coordinates.
pub(crate) enum ToDem {
    /// The DEM is in local metres: no geographic step.
    Local,
    /// The DEM is in WGS84 longitude/latitude.
    LonLat,
    /// Through proj4rs; `degrees`: the target is geographic (proj4rs returns radians).
    Proj {
        src: Box<Proj>,
        dst: Box<Proj>,
        degrees: bool,
    },
}

impl ToDem {
    /// The mapping into `crs`.
    ///
    /// # Errors
    /// [`Error::UnsupportedCrs`] for [`DemCrs::Unspecified`] (asking for the CRS) or a code
    /// that cannot be built.
    pub(crate) fn new(crs: DemCrs) -> Result<ToDem> {
        match crs {
            DemCrs::LocalMetres => Ok(ToDem::Local),
            DemCrs::LonLat => Ok(ToDem::LonLat),
            DemCrs::Unspecified => Err(unsupported(
                "unspecified CRS",
                "the DEM's file names no CRS and its coordinates are not longitude/latitude; give its CRS (scenario setting \"terrain_crs\": \"EPSG:32636\", a .prj sidecar next to an .asc, or Dem::with_crs; \"local\" only for a DEM made in the scenario's own local frame)",
            )),
            DemCrs::Epsg(code) => {
                let name = format!("EPSG:{code}");
                let def = crs_definitions::from_code(code)
                    .ok_or_else(|| unsupported(&name, "no definition of this EPSG code is known"))?;
                let dst = Proj::from_proj_string(def.proj4)
                    .map_err(|e| unsupported(&name, format!("`{}`: {e}", def.proj4)))?;
                let src = Proj::from_proj_string(WGS84)
                    .map_err(|e| unsupported("EPSG:4326", e.to_string()))?;
                let degrees = dst.is_latlong();
                Ok(ToDem::Proj {
                    src: Box::new(src),
                    dst: Box::new(dst),
                    degrees,
                })
            }
        }
    }

    /// The DEM coordinates of local point `(x, y)` of `frame`, `None` where the projection
    /// fails. For a longitude/latitude DEM the longitude is returned relative to the frame's
    /// central meridian, in (-180, 180] (see [`crate::Terrain::from_dem`]).
    pub(crate) fn map(&self, frame: &LocalFrame, x: f64, y: f64) -> Option<[f64; 2]> {
        match self {
            ToDem::Local => Some([x, y]),
            ToDem::LonLat => {
                let (lon, lat) = frame.to_lonlat(x, y);
                let rel = (lon - frame.lon0() + 180.0).rem_euclid(360.0) - 180.0;
                Some([rel, lat])
            }
            ToDem::Proj { src, dst, degrees } => {
                let (lon, lat) = frame.to_lonlat(x, y);
                let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
                proj4rs::transform::transform(src, dst, &mut p).ok()?;
                let (mut px, mut py) = (p.0, p.1);
                if *degrees {
                    px = px.to_degrees();
                    py = py.to_degrees();
                }
                (px.is_finite() && py.is_finite()).then_some([px, py])
            }
        }
    }

    /// True when [`map`](Self::map) returns longitudes relative to the frame's meridian.
    pub(crate) fn relative_lon(&self) -> bool {
        matches!(self, ToDem::LonLat)
    }
}

/// Maps coordinates of a DEM's CRS to WGS84 longitude/latitude (degrees), e.g. to build test
/// fixtures or to report where a DEM lies.
///
/// # Errors
/// As [`DemCrs::from_epsg`]; [`Error::UnsupportedCrs`] for [`DemCrs::LocalMetres`] (which
/// needs a frame) and [`DemCrs::Unspecified`]; [`Error::InvalidInput`] when a point cannot
/// be projected.
///
/// # Examples
/// ```
/// use skycover::terrain::{crs::to_lonlat, DemCrs};
/// // on UTM zone 36N's central meridian (33°E, the false easting) the northing is
/// // 0.9996 × the meridian arc; the WGS84 arc from the equator to 50°N is 5 540 847.04 m
/// let [lon, lat] = to_lonlat(DemCrs::Epsg(32636), [500_000.0, 0.9996 * 5_540_847.04])?;
/// assert!((lon - 33.0).abs() < 1e-9 && (lat - 50.0).abs() < 1e-6);
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn to_lonlat(crs: DemCrs, xy: [f64; 2]) -> Result<[f64; 2]> {
    project(crs, xy, false)
}

/// Maps WGS84 longitude/latitude (degrees) into a DEM's CRS: the inverse of [`to_lonlat`].
///
/// # Errors
/// As [`to_lonlat`].
///
/// # Examples
/// ```
/// use skycover::terrain::{crs::from_lonlat, DemCrs};
/// let [e, n] = from_lonlat(DemCrs::Epsg(3035), [10.0, 52.0])?; // LAEA Europe's origin
/// assert!((e - 4_321_000.0).abs() < 1e-3 && (n - 3_210_000.0).abs() < 1e-3);
/// # Ok::<(), skycover::Error>(())
/// ```
pub fn from_lonlat(crs: DemCrs, lonlat: [f64; 2]) -> Result<[f64; 2]> {
    project(crs, lonlat, true)
}

fn project(crs: DemCrs, p: [f64; 2], forward: bool) -> Result<[f64; 2]> {
    let code = match crs {
        DemCrs::LonLat => return Ok(p),
        DemCrs::Epsg(c) => c,
        other => {
            return Err(unsupported(
                other.to_string(),
                "has no geographic definition",
            ))
        }
    };
    let ToDem::Proj { src, dst, degrees } = ToDem::new(DemCrs::Epsg(code))? else {
        return Err(unsupported(format!("EPSG:{code}"), "not a proj4 CRS"));
    };
    let (from, to, in_deg, out_deg) = if forward {
        (&src, &dst, true, degrees)
    } else {
        (&dst, &src, degrees, true)
    };
    let conv = |v: f64| if in_deg { v.to_radians() } else { v };
    let mut q = (conv(p[0]), conv(p[1]), 0.0);
    let bad = |why: String| Error::InvalidInput {
        what: "coordinates".into(),
        reason: format!("{p:?} cannot be projected (EPSG:{code}): {why}"),
    };
    proj4rs::transform::transform(from, to, &mut q).map_err(|e| bad(e.to_string()))?;
    let back = |v: f64| if out_deg { v.to_degrees() } else { v };
    let r = [back(q.0), back(q.1)];
    if r.iter().all(|v| v.is_finite()) {
        Ok(r)
    } else {
        Err(bad("not finite".into()))
    }
}
