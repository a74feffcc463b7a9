//! Digital elevation models as read from files: ESRI ASCII grids and GeoTIFFs.
//!
//! A [`Dem`] is a north-up raster of elevations in metres with its georeferencing and its
//! [`DemCrs`]: WGS84 longitude/latitude, any supported EPSG CRS (UTM, LAEA Europe, Web
//! Mercator, UCS-2000, ...: see [`crate::terrain::crs`]), metres of the scenario's local frame
//! (what [`crate::terrain::synth`] produces; never assumed for a file), or unspecified. It is
//! not used for line of sight directly: [`crate::Terrain::from_dem`] resamples it once onto the
//! local frame.
//!
//! # Cell convention
//!
//! Column `c`, row `r` (row 0 is the **northernmost**, as in both file formats) is the cell whose
//! centre is at `x = x_ll + (c + ½)·dx`, `y = y_ll + (nrows − r − ½)·dy`, where `(x_ll, y_ll)` is
//! the lower-left (south-west) outer corner. [`Dem::sample`] interpolates bilinearly between cell
//! centres; within the outer half cell it clamps to the edge cells; outside the raster it returns
//! `None`.
//!
//! # Nodata
//!
//! Cells equal to the file's nodata value are **unknown**: after reading, each one is filled with
//! the value of the nearest valid cell, nearest in grid steps with diagonal steps counting one
//! (a multi-source breadth-first fill, ties broken by scan order, so the result is
//! deterministic). The number of filled cells is kept ([`Dem::filled_cells`]). A DEM with no
//! valid cell at all is an error. A NaN or infinite value that is not the nodata value is an
//! error, so that corrupt files are not silently smoothed over.

use crate::error::{Error, Result};
use std::collections::VecDeque;
use std::path::Path;

/// Largest number of cells a DEM may have (checked before allocating).
pub const MAX_DEM_CELLS: u64 = 200_000_000;

pub use super::crs::DemCrs;

/// A north-up elevation raster with its georeferencing. See the [module docs](self).
///
/// # Examples
/// ```
/// use skycover::terrain::{Dem, DemCrs};
/// let text = "ncols 3\nnrows 2\nxllcorner 30.0\nyllcorner 50.0\ncellsize 0.01\n\
///             NODATA_value -9999\n100 110 120\n90 -9999 130\n";
/// let dem = Dem::from_asc_str(text)?;
/// assert_eq!(dem.crs(), DemCrs::LonLat);
/// assert_eq!((dem.ncols(), dem.nrows()), (3, 2));
/// assert_eq!(dem.filled_cells(), 1); // the nodata cell took its nearest valid neighbour
/// // centre of the top-left cell
/// assert!((dem.sample(30.005, 50.015).unwrap() - 100.0).abs() < 1e-9);
/// assert_eq!(dem.sample(29.0, 50.0), None);
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Dem {
    crs: DemCrs,
    ncols: usize,
    nrows: usize,
    lower_left: [f64; 2],
    cell: [f64; 2],
    values: Vec<f32>,
    filled: usize,
    crs_assumed: bool,
}

fn terr(reason: impl Into<String>) -> Error {
    Error::Terrain {
        reason: reason.into(),
    }
}

impl Dem {
    /// Builds a DEM from values in row-major order, **top (north) row first**.
    ///
    /// # Parameters
    /// * `crs`: what the coordinates are.
    /// * `lower_left`: the south-west outer corner `[x, y]`.
    /// * `cell_size`: `[dx, dy]`, both > 0.
    /// * `ncols`, `nrows`: raster size, both ≥ 2 (bilinear sampling needs two cells per axis).
    /// * `values`: `ncols × nrows` elevations in metres.
    /// * `nodata`: the value marking unknown cells (NaN marks NaN cells as unknown), if any.
    ///
    /// # Errors
    /// [`Error::Terrain`] for a size mismatch, fewer than two rows or columns, a non-finite or
    /// non-positive cell size, a non-finite corner, a NaN or infinite value that is not nodata,
    /// a value that is not nodata and lies outside the Earth's relief
    /// ([`MIN_ELEVATION_M`](crate::validate::MIN_ELEVATION_M) to
    /// [`MAX_ELEVATION_M`](crate::validate::MAX_ELEVATION_M): an undeclared sentinel such as
    /// -32768 or 1e30; pass it as `nodata`), or no valid cell at all;
    /// [`Error::ResourceLimit`] above [`MAX_DEM_CELLS`].
    pub fn new(
        crs: DemCrs,
        lower_left: [f64; 2],
        cell_size: [f64; 2],
        ncols: usize,
        nrows: usize,
        values: Vec<f32>,
        nodata: Option<f32>,
    ) -> Result<Dem> {
        check_size(ncols as u64, nrows as u64)?;
        if values.len() != ncols * nrows {
            return Err(terr(format!(
                "expected {} values (ncols {ncols} × nrows {nrows}), found {}",
                ncols * nrows,
                values.len()
            )));
        }
        if !cell_size.iter().all(|c| c.is_finite() && *c > 0.0) {
            return Err(terr(format!(
                "cell size {cell_size:?} must be finite and > 0"
            )));
        }
        if !lower_left.iter().all(|c| c.is_finite()) {
            return Err(terr(format!(
                "lower-left corner {lower_left:?} is not finite"
            )));
        }
        let mut valid = vec![true; values.len()];
        for (n, v) in values.iter().enumerate() {
            let is_nodata = match nodata {
                Some(nd) if nd.is_nan() => v.is_nan(),
                Some(nd) => *v == nd,
                None => false,
            };
            if is_nodata {
                valid[n] = false;
            } else if !v.is_finite() {
                return Err(terr(format!(
                    "row {}, column {}: value {v} is not a finite elevation (and not the nodata value)",
                    n / ncols + 1,
                    n % ncols + 1
                )));
            } else if let Some(why) = crate::validate::elevation_problem(f64::from(*v)) {
                return Err(terr(format!(
                    "row {}, column {}: {why}",
                    n / ncols + 1,
                    n % ncols + 1
                )));
            }
        }
        let mut dem = Dem {
            crs,
            ncols,
            nrows,
            lower_left,
            cell: cell_size,
            values,
            filled: 0,
            crs_assumed: false,
        };
        dem.filled = fill_nodata(&mut dem.values, &valid, ncols, nrows)?;
        Ok(dem)
    }

    /// The same DEM with its coordinates declared to be `crs` (no resampling): use it for a
    /// file without CRS information ([`DemCrs::Unspecified`], or longitude/latitude
    /// [assumed](Self::crs_assumed)).
    pub fn with_crs(mut self, crs: DemCrs) -> Dem {
        self.crs = crs;
        self.crs_assumed = false;
        self
    }

    /// True when the file carried no CRS and its coordinates were taken as longitude/latitude
    /// because they look like it ([`DemCrs::guess`]).
    pub fn crs_assumed(&self) -> bool {
        self.crs_assumed
    }

    /// What reading this DEM degraded, as diagnostics: `terrain.nodata_filled` (with the
    /// count) when nodata cells were filled, `terrain.crs_assumed` when the CRS was assumed.
    /// `source` names the DEM in the messages (a path, a tile number).
    pub fn diagnostics(&self, source: &str) -> Vec<crate::diagnostic::Diagnostic> {
        use crate::diagnostic::{codes, Diagnostic};
        let mut out = Vec::new();
        if self.filled > 0 {
            out.push(
                Diagnostic::warning(
                    codes::TERRAIN_NODATA_FILLED,
                    format!(
                        "{source}: {} of {} DEM cells ({:.3} %) were nodata and took the value of their nearest valid cell",
                        self.filled,
                        self.values.len(),
                        100.0 * self.filled as f64 / self.values.len() as f64
                    ),
                )
                .with_field("terrain"),
            );
        }
        if self.crs_assumed {
            out.push(
                Diagnostic::warning(
                    codes::TERRAIN_CRS_ASSUMED,
                    format!(
                        "{source}: the file names no CRS; its coordinates (bounds {:?}) look like degrees and were taken as WGS84 longitude/latitude (set \"terrain_crs\" to be explicit)",
                        self.bounds()
                    ),
                )
                .with_field("terrain_crs"),
            );
        }
        out
    }

    /// Sets the CRS a reader guessed ([`DemCrs::guess`]), remembering when it was assumed.
    fn with_guessed_crs(mut self) -> Dem {
        let crs = DemCrs::guess(self.bounds(), self.cell);
        self.crs = crs;
        self.crs_assumed = crs == DemCrs::LonLat;
        self
    }

    /// What the coordinates are.
    pub fn crs(&self) -> DemCrs {
        self.crs
    }

    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.ncols
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.nrows
    }

    /// Cell size `[dx, dy]` in the DEM's units.
    pub fn cell_size(&self) -> [f64; 2] {
        self.cell
    }

    /// Outer bounds `[min_x, min_y, max_x, max_y]` in the DEM's units.
    pub fn bounds(&self) -> [f64; 4] {
        let [x, y] = self.lower_left;
        [
            x,
            y,
            x + self.ncols as f64 * self.cell[0],
            y + self.nrows as f64 * self.cell[1],
        ]
    }

    /// Number of nodata cells that were filled from their nearest valid cell.
    pub fn filled_cells(&self) -> usize {
        self.filled
    }

    /// All values, row-major, top (north) row first, nodata already filled.
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// The value of column `col`, row `row` (row 0 is the north edge), or `None` out of range.
    pub fn value(&self, col: usize, row: usize) -> Option<f32> {
        if col < self.ncols && row < self.nrows {
            Some(self.values[row * self.ncols + col])
        } else {
            None
        }
    }

    /// Elevation at `(x, y)` (in the DEM's units), bilinear between cell centres; clamped to
    /// the edge cells within the outer half cell; `None` outside the raster or for non-finite
    /// coordinates.
    pub fn sample(&self, x: f64, y: f64) -> Option<f64> {
        let b = self.bounds();
        if !(x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3]) {
            return None;
        }
        // continuous column / row-from-the-top of cell centres
        let fc = ((x - b[0]) / self.cell[0] - 0.5).clamp(0.0, (self.ncols - 1) as f64);
        let fr = ((b[3] - y) / self.cell[1] - 0.5).clamp(0.0, (self.nrows - 1) as f64);
        let c0 = (fc.floor() as usize).min(self.ncols - 2);
        let r0 = (fr.floor() as usize).min(self.nrows - 2);
        let (tc, tr) = (fc - c0 as f64, fr - r0 as f64);
        let v = |c: usize, r: usize| f64::from(self.values[r * self.ncols + c]);
        let top = v(c0, r0) * (1.0 - tc) + v(c0 + 1, r0) * tc;
        let bottom = v(c0, r0 + 1) * (1.0 - tc) + v(c0 + 1, r0 + 1) * tc;
        Some(top * (1.0 - tr) + bottom * tr)
    }

    /// Reads a DEM file, choosing the format by extension: `.asc` (ESRI ASCII grid) or
    /// `.tif` / `.tiff` (GeoTIFF).
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read; [`Error::Terrain`] for an unknown extension
    /// or an invalid file (see [`from_asc_str`](Self::from_asc_str) and
    /// [`from_geotiff_bytes`](Self::from_geotiff_bytes)).
    pub fn from_path(path: impl AsRef<Path>) -> Result<Dem> {
        let path = path.as_ref();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        match ext.as_str() {
            "asc" => Dem::from_asc_path(path),
            "tif" | "tiff" => Dem::from_geotiff_path(path),
            _ => Err(terr(format!(
                "{}: unknown DEM format (expected a .asc or .tif/.tiff file)",
                path.display()
            ))),
        }
    }

    /// Reads an ESRI ASCII grid file. See [`from_asc_str`](Self::from_asc_str). Its CRS
    /// comes from the `.prj` sidecar (same stem, WKT, read with [`DemCrs::from_wkt`]) when
    /// there is one, else it is guessed.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read, otherwise as
    /// [`from_asc_str`](Self::from_asc_str) with the path in the message;
    /// [`Error::UnsupportedCrs`] when the `.prj` names a CRS that is not supported.
    pub fn from_asc_path(path: impl AsRef<Path>) -> Result<Dem> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, &e))?;
        let dem = Dem::from_asc_str(&text).map_err(|e| match e {
            Error::Terrain { reason } => terr(format!("{}: {reason}", path.display())),
            other => other,
        })?;
        let prj = path.with_extension("prj");
        if !prj.is_file() {
            return Ok(dem);
        }
        let wkt = std::fs::read_to_string(&prj).map_err(|e| Error::io(&prj, &e))?;
        let crs = DemCrs::from_wkt(&wkt).map_err(|e| match e {
            Error::UnsupportedCrs { crs, reason } => Error::UnsupportedCrs {
                crs,
                reason: format!("{} ({reason})", prj.display()),
            },
            other => other,
        })?;
        Ok(dem.with_crs(crs))
    }

    /// Parses an ESRI ASCII grid.
    ///
    /// Header fields (case-insensitive, one per line, any order): `ncols`, `nrows`,
    /// `xllcorner` or `xllcenter`, `yllcorner` or `yllcenter`, `cellsize` (or `dx` and `dy`),
    /// optional `NODATA_value`. Then `ncols × nrows` numbers, rows top (north) to bottom,
    /// separated by any whitespace. The text carries no CRS: it is guessed with
    /// [`DemCrs::guess`] (longitude/latitude, [assumed](Self::crs_assumed), or
    /// [`DemCrs::Unspecified`]); [`from_asc_path`](Self::from_asc_path) reads the `.prj`
    /// sidecar instead.
    ///
    /// # Errors
    /// [`Error::Terrain`] naming the field or line: a missing or repeated header field, an
    /// unknown header field, a non-numeric or non-positive size, a value that is not a number,
    /// too few or too many values, NaN or infinite values, no valid cell;
    /// [`Error::ResourceLimit`] above [`MAX_DEM_CELLS`].
    pub fn from_asc_str(text: &str) -> Result<Dem> {
        let mut header: Vec<(String, f64, usize)> = Vec::new();
        let mut lines = text.lines().enumerate().peekable();
        while let Some((n, line)) = lines.peek() {
            let mut tok = line.split_whitespace();
            let Some(first) = tok.next() else {
                lines.next();
                continue;
            };
            if first.parse::<f64>().is_ok() {
                break; // first data line
            }
            let key = first.to_ascii_lowercase();
            const KNOWN: &[&str] = &[
                "ncols",
                "nrows",
                "xllcorner",
                "xllcenter",
                "yllcorner",
                "yllcenter",
                "cellsize",
                "dx",
                "dy",
                "nodata_value",
            ];
            if !KNOWN.contains(&key.as_str()) {
                return Err(terr(format!(
                    "ESRI ASCII grid, line {}: unknown header field `{first}` (known: ncols, nrows, xllcorner|xllcenter, yllcorner|yllcenter, cellsize|dx+dy, NODATA_value)",
                    n + 1
                )));
            }
            let val = tok.next().ok_or_else(|| {
                terr(format!(
                    "ESRI ASCII grid, line {}: header field `{first}` has no value",
                    n + 1
                ))
            })?;
            let v: f64 = val.parse().map_err(|_| {
                terr(format!(
                    "ESRI ASCII grid, line {}: header field `{first}`: `{val}` is not a number",
                    n + 1
                ))
            })?;
            if header.iter().any(|(k, _, _)| *k == key) {
                return Err(terr(format!(
                    "ESRI ASCII grid, line {}: header field `{first}` given twice",
                    n + 1
                )));
            }
            header.push((key, v, n + 1));
            lines.next();
        }
        let get = |k: &str| {
            header
                .iter()
                .find(|(key, _, _)| key == k)
                .map(|h| (h.1, h.2))
        };
        let missing = |k: &str| terr(format!("ESRI ASCII grid: missing header field `{k}`"));
        let count = |k: &str| -> Result<usize> {
            let (v, line) = get(k).ok_or_else(|| missing(k))?;
            if v.fract() != 0.0 || v.is_nan() || v < 2.0 || v > MAX_DEM_CELLS as f64 {
                return Err(terr(format!(
                    "ESRI ASCII grid, line {line}: `{k}` = {v} must be an integer ≥ 2"
                )));
            }
            Ok(v as usize)
        };
        let ncols = count("ncols")?;
        let nrows = count("nrows")?;
        check_size(ncols as u64, nrows as u64)?;
        // the header must not promise more numbers than the text can hold (each needs at least
        // one digit and one separator): checked before allocating ncols × nrows values
        let cells = (ncols as u64).saturating_mul(nrows as u64);
        if (text.len() as u64).saturating_add(1) / 2 < cells {
            return Err(terr(format!(
                "ESRI ASCII grid: the header claims ncols {ncols} × nrows {nrows} = {cells} \
                 values but the file has only {} bytes (truncated file or wrong header)",
                text.len()
            )));
        }
        let (dx, dy) = match (get("cellsize"), get("dx"), get("dy")) {
            (Some((c, l)), None, None) => ((c, l), (c, l)),
            (None, Some(x), Some(y)) => (x, y),
            (Some((_, l)), _, _) => {
                return Err(terr(format!(
                    "ESRI ASCII grid, line {l}: give either `cellsize` or `dx` and `dy`, not both"
                )))
            }
            _ => return Err(missing("cellsize")),
        };
        for (name, (v, line)) in [("dx", dx), ("dy", dy)] {
            if !(v.is_finite() && v > 0.0) {
                let field = if get("cellsize").is_some() {
                    "cellsize"
                } else {
                    name
                };
                return Err(terr(format!(
                    "ESRI ASCII grid, line {line}: `{field}` = {v} must be > 0"
                )));
            }
        }
        let (dx, dy) = (dx.0, dy.0);
        let corner = |axis: &str, cell: f64| -> Result<f64> {
            let c = format!("{axis}llcorner");
            let m = format!("{axis}llcenter");
            match (get(&c), get(&m)) {
                (Some((v, _)), None) => Ok(v),
                (None, Some((v, _))) => Ok(v - cell / 2.0),
                (Some(_), Some((_, l))) => Err(terr(format!(
                    "ESRI ASCII grid, line {l}: give either `{c}` or `{m}`, not both"
                ))),
                (None, None) => Err(terr(format!(
                    "ESRI ASCII grid: missing header field `{c}` (or `{m}`)"
                ))),
            }
        };
        let x_ll = corner("x", dx)?;
        let y_ll = corner("y", dy)?;
        let nodata = get("nodata_value").map(|(v, _)| v as f32);

        let total = ncols * nrows;
        let mut values: Vec<f32> = Vec::with_capacity(total);
        for (n, line) in lines {
            for (k, tok) in line.split_whitespace().enumerate() {
                if values.len() == total {
                    return Err(terr(format!(
                        "ESRI ASCII grid, line {}: more values than ncols × nrows = {ncols} × {nrows} = {total}",
                        n + 1
                    )));
                }
                let v: f32 = tok.parse().map_err(|_| {
                    terr(format!(
                        "ESRI ASCII grid, line {}, value {}: `{tok}` is not a number",
                        n + 1,
                        k + 1
                    ))
                })?;
                let is_nodata = nodata.is_some_and(|nd| v == nd || (nd.is_nan() && v.is_nan()));
                if !is_nodata && !v.is_finite() {
                    return Err(terr(format!(
                        "ESRI ASCII grid, line {}, value {}: `{tok}` is not a finite elevation (and not the NODATA_value)",
                        n + 1,
                        k + 1
                    )));
                }
                values.push(v);
            }
        }
        if values.len() != total {
            return Err(terr(format!(
                "ESRI ASCII grid: expected ncols × nrows = {ncols} × {nrows} = {total} values, found {}",
                values.len()
            )));
        }
        Dem::new(
            DemCrs::Unspecified,
            [x_ll, y_ll],
            [dx, dy],
            ncols,
            nrows,
            values,
            nodata,
        )
        .map(Dem::with_guessed_crs)
        .map_err(|e| match e {
            Error::Terrain { reason } => terr(format!("ESRI ASCII grid: {reason}")),
            other => other,
        })
    }

    /// Writes the DEM as an ESRI ASCII grid (`xllcorner`/`yllcorner`, `cellsize` or `dx`/`dy`,
    /// values with `decimals` digits after the point, at most 9: an f32's precision; no nodata
    /// since it was filled).
    pub fn to_asc_string(&self, decimals: usize) -> String {
        use std::fmt::Write as _;
        let decimals = decimals.min(9);
        let mut s = String::with_capacity(self.values.len() * (decimals + 5) + 200);
        let _ = writeln!(s, "ncols {}", self.ncols);
        let _ = writeln!(s, "nrows {}", self.nrows);
        let _ = writeln!(s, "xllcorner {}", self.lower_left[0]);
        let _ = writeln!(s, "yllcorner {}", self.lower_left[1]);
        if self.cell[0] == self.cell[1] {
            let _ = writeln!(s, "cellsize {}", self.cell[0]);
        } else {
            let _ = writeln!(s, "dx {}", self.cell[0]);
            let _ = writeln!(s, "dy {}", self.cell[1]);
        }
        for row in self.values.chunks(self.ncols) {
            for (c, v) in row.iter().enumerate() {
                if c > 0 {
                    s.push(' ');
                }
                let _ = write!(s, "{v:.decimals$}");
            }
            s.push('\n');
        }
        s
    }

    /// Reads a GeoTIFF file. See [`from_geotiff_bytes`](Self::from_geotiff_bytes).
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read, otherwise as
    /// [`from_geotiff_bytes`](Self::from_geotiff_bytes) with the path in the message.
    pub fn from_geotiff_path(path: impl AsRef<Path>) -> Result<Dem> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, &e))?;
        Dem::from_geotiff_bytes(&bytes).map_err(|e| match e {
            Error::Terrain { reason } => terr(format!("{}: {reason}", path.display())),
            other => other,
        })
    }

    /// Decodes a single-band GeoTIFF held in memory (first image of the file).
    ///
    /// * Samples: 32- or 64-bit float, 8/16/32-bit signed or unsigned integers (int16 and
    ///   float32 being the usual DEM types); strips or tiles; uncompressed or compressed with
    ///   Deflate, LZW, PackBits or JPEG (with the horizontal or floating-point predictor).
    ///   Other compressions (ZSTD, LERC, LZMA, WebP, JPEG 2000, ...) are refused with an error
    ///   naming them and the `gdal_translate` command that converts the file. Any raster up
    ///   to [`MAX_DEM_CELLS`] cells decodes; the strip/tile table is checked against the
    ///   bytes actually present before anything is allocated.
    /// * Georeferencing: `ModelPixelScaleTag` (33550) and the first `ModelTiepointTag` (33922),
    ///   north-up only. `GeoKeyDirectoryTag` (34735) gives the raster type
    ///   (`GTRasterTypeGeoKey`: pixel-is-area, the default, or pixel-is-point) and the CRS:
    ///   `ProjectedCSTypeGeoKey` (3072) or `GeographicTypeGeoKey` (2048), an EPSG code
    ///   ([`DemCrs::from_epsg`]; 4326 is [`DemCrs::LonLat`]). A geographic model
    ///   (`GTModelTypeGeoKey` = 2) without a usable code is taken as WGS84
    ///   longitude/latitude and [marked assumed](Self::crs_assumed); a projected model
    ///   without an EPSG code is an error; a file without GeoKeys gets [`DemCrs::guess`].
    /// * Nodata: the `GDAL_NODATA` tag (42113), an ASCII number (`nan` allowed).
    ///
    /// # Errors
    /// [`Error::Terrain`] for an undecodable or truncated file, several bands, an unsupported
    /// compression or sample format (naming it), missing or malformed georeferencing tags
    /// (naming the tag), a rotated or south-up raster (`ModelTransformationTag` or a
    /// non-positive pixel scale), a malformed `GDAL_NODATA`, NaN values that are not nodata,
    /// or no valid cell; [`Error::UnsupportedCrs`] for a CRS that cannot be handled (a
    /// user-defined projection, an unknown EPSG code, a geocentric model);
    /// [`Error::ResourceLimit`] above [`MAX_DEM_CELLS`].
    pub fn from_geotiff_bytes(bytes: &[u8]) -> Result<Dem> {
        use tiff::decoder::{Decoder, DecodingResult, Limits};
        use tiff::tags::Tag;
        let tiff_err = |what: &str, e: tiff::TiffError| terr(format!("GeoTIFF: {what}: {e}"));
        let mut dec =
            Decoder::new(std::io::Cursor::new(bytes)).map_err(|e| tiff_err("cannot decode", e))?;
        let (w, h) = dec
            .dimensions()
            .map_err(|e| tiff_err("image dimensions", e))?;
        if w < 2 || h < 2 {
            return Err(terr(format!(
                "GeoTIFF: image is {w} × {h}; a DEM needs at least 2 × 2 cells"
            )));
        }
        check_size(u64::from(w), u64::from(h))?;
        let ct = dec.colortype().map_err(|e| tiff_err("colour type", e))?;
        let bits = match ct {
            tiff::ColorType::Gray(b) => u64::from(b),
            _ => {
                return Err(terr(format!(
                    "GeoTIFF: expected a single band of elevations, found colour type {ct:?}"
                )))
            }
        };
        check_encoding(
            &mut dec,
            bytes.len() as u64,
            u64::from(w),
            u64::from(h),
            bits,
        )?;
        // the crate's own cell limit, not the decoder's default 256 MiB, bounds the buffers
        let mut limits = Limits::default();
        let max_bytes = usize::try_from(MAX_DEM_CELLS.saturating_mul(8)).unwrap_or(usize::MAX);
        limits.decoding_buffer_size = max_bytes;
        limits.intermediate_buffer_size = max_bytes;
        limits.ifd_value_size = limits.ifd_value_size.max(64 << 20);
        let mut dec = dec.with_limits(limits);
        let scale = dec
            .find_tag(Tag::ModelPixelScaleTag)
            .map_err(|e| tiff_err("ModelPixelScaleTag (33550)", e))?;
        let tie = dec
            .find_tag(Tag::ModelTiepointTag)
            .map_err(|e| tiff_err("ModelTiepointTag (33922)", e))?;
        let has_transform = dec
            .find_tag(Tag::Unknown(34264))
            .map_err(|e| tiff_err("ModelTransformationTag (34264)", e))?
            .is_some();
        let (Some(scale), Some(tie)) = (scale, tie) else {
            let which = if has_transform {
                "ModelTransformationTag (34264) is not supported; georeference with ModelPixelScaleTag (33550) and ModelTiepointTag (33922)".to_string()
            } else {
                "missing ModelPixelScaleTag (33550) or ModelTiepointTag (33922)".to_string()
            };
            return Err(terr(format!("GeoTIFF: {which}")));
        };
        let scale = scale
            .into_f64_vec()
            .map_err(|e| tiff_err("ModelPixelScaleTag (33550)", e))?;
        let tie = tie
            .into_f64_vec()
            .map_err(|e| tiff_err("ModelTiepointTag (33922)", e))?;
        if scale.len() < 2 {
            return Err(terr(format!(
                "GeoTIFF: ModelPixelScaleTag (33550) has {} values, expected 3",
                scale.len()
            )));
        }
        if tie.len() < 6 {
            return Err(terr(format!(
                "GeoTIFF: ModelTiepointTag (33922) has {} values, expected 6",
                tie.len()
            )));
        }
        let (sx, sy) = (scale[0], scale[1]);
        if !(sx > 0.0 && sy > 0.0 && sx.is_finite() && sy.is_finite()) {
            return Err(terr(format!(
                "GeoTIFF: ModelPixelScaleTag (33550) = [{sx}, {sy}]: only north-up rasters with positive pixel sizes are supported"
            )));
        }
        if !tie[..6].iter().all(|v| v.is_finite()) {
            return Err(terr("GeoTIFF: ModelTiepointTag (33922) is not finite"));
        }
        let mut keys = GeoKeys::default();
        if let Some(k) = dec
            .find_tag(Tag::GeoKeyDirectoryTag)
            .map_err(|e| tiff_err("GeoKeyDirectoryTag (34735)", e))?
        {
            let k = k
                .into_u64_vec()
                .map_err(|e| tiff_err("GeoKeyDirectoryTag (34735)", e))?;
            keys = GeoKeys::parse(&k);
        }
        let nodata = match dec
            .find_tag(Tag::GdalNodata)
            .map_err(|e| tiff_err("GDAL_NODATA (42113)", e))?
        {
            None => None,
            Some(v) => {
                let s = v
                    .into_string()
                    .map_err(|e| tiff_err("GDAL_NODATA (42113)", e))?;
                let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\0');
                Some(t.parse::<f64>().map_err(|_| {
                    terr(format!(
                        "GeoTIFF: GDAL_NODATA (42113) `{t}` is not a number"
                    ))
                })?)
            }
        };
        // the CRS before the samples: an unusable CRS should not cost a decode
        let declared = keys.crs()?;
        let data = dec
            .read_image()
            .map_err(|e| tiff_err("reading samples", e))?;
        let values: Vec<f32> = match data {
            DecodingResult::F32(v) => v,
            DecodingResult::F64(v) => v.into_iter().map(|x| x as f32).collect(),
            DecodingResult::I16(v) => v.into_iter().map(f32::from).collect(),
            DecodingResult::U16(v) => v.into_iter().map(f32::from).collect(),
            DecodingResult::I8(v) => v.into_iter().map(f32::from).collect(),
            DecodingResult::U8(v) => v.into_iter().map(f32::from).collect(),
            DecodingResult::I32(v) => v.into_iter().map(|x| x as f32).collect(),
            DecodingResult::U32(v) => v.into_iter().map(|x| x as f32).collect(),
            DecodingResult::I64(_) | DecodingResult::U64(_) => {
                return Err(terr(
                    "GeoTIFF: 64-bit integer samples are not supported (use float32 or int16)",
                ))
            }
        };
        let (w, h) = (w as usize, h as usize);
        let (ti, tj, tx, ty) = (tie[0], tie[1], tie[3], tie[4]);
        let half = if keys.pixel_is_point { 0.5 } else { 0.0 };
        let x_ll = tx - (ti + half) * sx;
        let y_top = ty + (tj + half) * sy;
        let y_ll = y_top - h as f64 * sy;
        let dem = Dem::new(
            DemCrs::Unspecified,
            [x_ll, y_ll],
            [sx, sy],
            w,
            h,
            values,
            nodata.map(|v| v as f32),
        )
        .map_err(|e| match e {
            Error::Terrain { reason } => terr(format!("GeoTIFF: {reason}")),
            other => other,
        })?;
        Ok(match declared {
            Declared::Crs(crs) => dem.with_crs(crs),
            Declared::AssumedLonLat => {
                let mut d = dem.with_crs(DemCrs::LonLat);
                d.crs_assumed = true;
                d
            }
            Declared::Nothing => dem.with_guessed_crs(),
        })
    }
}

/// Compression schemes the `tiff` decoder handles (TIFF tag 259 values).
const DECODABLE_COMPRESSIONS: &[u16] = &[1, 5, 7, 8, 32773, 32946];

/// The name of a TIFF compression code.
fn compression_name(code: u16) -> &'static str {
    match code {
        1 => "none",
        2 => "CCITT RLE",
        3 => "CCITT Group 3 fax",
        4 => "CCITT Group 4 fax",
        5 => "LZW",
        6 => "old-style JPEG",
        7 => "JPEG",
        8 | 32946 => "Deflate",
        32773 => "PackBits",
        34712 => "JPEG 2000",
        34887 => "LERC",
        34925 => "LZMA",
        50000 => "ZSTD",
        50001 => "WebP",
        50002 => "JPEG XL",
        _ => "unknown",
    }
}

/// Checks, before any sample buffer is allocated, that the compression and sample format
/// are decodable and that the strip or tile table lies within the file and holds enough
/// bytes for `w × h` samples of `bits` bits (uncompressed), or at most 4096 times fewer
/// (compressed: above any ratio Deflate, LZW or PackBits can reach).
fn check_encoding<R: std::io::Read + std::io::Seek>(
    dec: &mut tiff::decoder::Decoder<R>,
    file_len: u64,
    w: u64,
    h: u64,
    bits: u64,
) -> Result<()> {
    use tiff::tags::Tag;
    let tiff_err = |what: &str, e: tiff::TiffError| terr(format!("GeoTIFF: {what}: {e}"));
    let compression: u16 = dec
        .find_tag_unsigned(Tag::Compression)
        .map_err(|e| tiff_err("Compression (259)", e))?
        .unwrap_or(1);
    if !DECODABLE_COMPRESSIONS.contains(&compression) {
        return Err(terr(format!(
            "GeoTIFF: compression {} (Compression tag 259 = {compression}) is not supported (supported: none, Deflate, LZW, PackBits, JPEG); convert the file with `gdal_translate -co COMPRESS=DEFLATE -co PREDICTOR=2 in.tif out.tif` (PREDICTOR=3 for float samples)",
            compression_name(compression)
        )));
    }
    let formats: Vec<u16> = dec
        .find_tag_unsigned_vec(Tag::SampleFormat)
        .map_err(|e| tiff_err("SampleFormat (339)", e))?
        .unwrap_or_default();
    if let Some(f) = formats.iter().find(|f| !matches!(f, 1..=3)) {
        let name = match f {
            4 => "void (untyped)",
            5 => "complex integer",
            6 => "complex float",
            _ => "unknown",
        };
        return Err(terr(format!(
            "GeoTIFF: sample format {name} (SampleFormat tag 339 = {f}) is not supported (use integer or float samples); convert with `gdal_translate -ot Float32 -co COMPRESS=DEFLATE in.tif out.tif`"
        )));
    }
    let tiled = dec
        .find_tag(Tag::TileOffsets)
        .map_err(|e| tiff_err("TileOffsets (324)", e))?
        .is_some();
    let (off_tag, count_tag, what) = if tiled {
        (Tag::TileOffsets, Tag::TileByteCounts, "tile")
    } else {
        (Tag::StripOffsets, Tag::StripByteCounts, "strip")
    };
    let offsets: Vec<u64> = dec
        .find_tag_unsigned_vec(off_tag)
        .map_err(|e| tiff_err(&format!("{what} offsets"), e))?
        .unwrap_or_default();
    let counts: Vec<u64> = dec
        .find_tag_unsigned_vec(count_tag)
        .map_err(|e| tiff_err(&format!("{what} byte counts"), e))?
        .unwrap_or_default();
    if offsets.is_empty() || offsets.len() != counts.len() {
        return Err(terr(format!(
            "GeoTIFF: {} {what} offsets but {} {what} byte counts",
            offsets.len(),
            counts.len()
        )));
    }
    let mut stored = 0u64;
    for (n, (o, c)) in offsets.iter().zip(&counts).enumerate() {
        let end = o.saturating_add(*c);
        if end > file_len {
            return Err(terr(format!(
                "GeoTIFF: truncated file: {what} {n} ends at byte {end}, the file has {file_len} bytes"
            )));
        }
        stored = stored.saturating_add(*c);
    }
    let needed = w.saturating_mul(h).saturating_mul(bits).div_ceil(8);
    let enough = if compression == 1 {
        stored >= needed
    } else {
        stored.saturating_mul(4096) >= needed
    };
    if !enough {
        return Err(terr(format!(
            "GeoTIFF: the header announces {w} × {h} samples of {bits} bits ({needed} bytes) but the {what}s hold only {stored} bytes ({} compression): truncated or corrupt file",
            compression_name(compression)
        )));
    }
    Ok(())
}

/// The GeoKeys a DEM reader needs.
#[derive(Debug, Default)]
struct GeoKeys {
    /// `GTModelTypeGeoKey` (1024): 1 projected, 2 geographic, 3 geocentric.
    model_type: Option<u64>,
    /// `GTRasterTypeGeoKey` (1025) = 2.
    pixel_is_point: bool,
    /// `GeographicTypeGeoKey` (2048).
    geographic: Option<u64>,
    /// `ProjectedCSTypeGeoKey` (3072).
    projected: Option<u64>,
}

/// What a GeoTIFF says about its CRS.
enum Declared {
    Crs(DemCrs),
    AssumedLonLat,
    Nothing,
}

/// `GeoKey` value meaning "user-defined".
const USER_DEFINED: u64 = 32767;

impl GeoKeys {
    /// From the `GeoKeyDirectoryTag` values: a header (version, revision, minor, count), then
    /// (id, location, count, value) entries; only values stored in the directory itself
    /// (location 0) are read, which is where these keys live.
    fn parse(keys: &[u64]) -> GeoKeys {
        let mut g = GeoKeys::default();
        for k in keys.get(4..).unwrap_or(&[]).chunks_exact(4) {
            if k[1] != 0 {
                continue;
            }
            match k[0] {
                1024 => g.model_type = Some(k[3]),
                1025 => g.pixel_is_point = k[3] == 2,
                2048 => g.geographic = Some(k[3]),
                3072 => g.projected = Some(k[3]),
                _ => {}
            }
        }
        g
    }

    fn crs(&self) -> Result<Declared> {
        let epsg = |code: u64| -> Result<DemCrs> {
            DemCrs::from_epsg(u32::try_from(code).unwrap_or(u32::MAX))
        };
        match (self.model_type, self.projected, self.geographic) {
            (Some(3), _, _) => Err(Error::UnsupportedCrs {
                crs: "geocentric model (GTModelTypeGeoKey = 3)".into(),
                reason: "a DEM must be geographic or projected".into(),
            }),
            (_, Some(USER_DEFINED), _) | (Some(1), None, _) => Err(Error::UnsupportedCrs {
                crs: "user-defined projection (ProjectedCSTypeGeoKey 3072 missing or 32767)".into(),
                reason: "only projected CRSs with an EPSG code are supported; re-export with one (`gdal_translate -a_srs EPSG:<code> in.tif out.tif`) or reproject (`gdalwarp -t_srs EPSG:4326 in.tif out.tif`), or give the CRS explicitly (\"terrain_crs\")".into(),
            }),
            (_, Some(code), _) => Ok(Declared::Crs(epsg(code)?)),
            (_, None, Some(code)) if code != USER_DEFINED => Ok(Declared::Crs(epsg(code)?)),
            (Some(2), None, _) => Ok(Declared::AssumedLonLat),
            _ => Ok(Declared::Nothing),
        }
    }
}

fn check_size(ncols: u64, nrows: u64) -> Result<()> {
    if ncols < 2 || nrows < 2 {
        return Err(terr(format!(
            "raster is {ncols} × {nrows}; a DEM needs at least 2 columns and 2 rows"
        )));
    }
    let cells = ncols.saturating_mul(nrows);
    if cells > MAX_DEM_CELLS {
        return Err(Error::ResourceLimit {
            what: "DEM cells",
            requested: cells,
            limit: MAX_DEM_CELLS,
            setting: "terrain::MAX_DEM_CELLS (crop or coarsen the DEM)",
        });
    }
    Ok(())
}

/// Fills invalid cells with their nearest valid cell (chessboard distance, BFS in scan order).
/// Returns the number of filled cells.
fn fill_nodata(values: &mut [f32], valid: &[bool], ncols: usize, nrows: usize) -> Result<usize> {
    let missing = valid.iter().filter(|v| !**v).count();
    if missing == 0 {
        return Ok(0);
    }
    if missing == values.len() {
        return Err(terr("every cell is nodata: the DEM has no elevations"));
    }
    let mut done = valid.to_vec();
    let mut queue: VecDeque<usize> = (0..values.len()).filter(|&n| valid[n]).collect();
    while let Some(n) = queue.pop_front() {
        let (c, r) = ((n % ncols) as isize, (n / ncols) as isize);
        for (dc, dr) in [
            (-1, -1),
            (0, -1),
            (1, -1),
            (-1, 0),
            (1, 0),
            (-1, 1),
            (0, 1),
            (1, 1),
        ] {
            let (c2, r2) = (c + dc, r + dr);
            if c2 < 0 || r2 < 0 || c2 >= ncols as isize || r2 >= nrows as isize {
                continue;
            }
            let m = r2 as usize * ncols + c2 as usize;
            if !done[m] {
                done[m] = true;
                values[m] = values[n];
                queue.push_back(m);
            }
        }
    }
    Ok(missing)
}

/// The DEMs shipped in `data/terrain/`, by name. They are **synthetic** (generated, plausible
/// in shape and height range, not surveyed): see [`Dem::builtin`].
pub const BUILTIN_DEMS: &[(&str, &str)] = &[("kyiv", include_str!("../../data/terrain/kyiv.asc"))];

/// The **real** DEMs shipped in `data/terrain/` as GeoTIFF, by name: NOAA GLOBE 30″ relief
/// cut for the Odesa and corridor maps (see [`Dem::builtin`] and `data/README.md`).
pub const BUILTIN_GEOTIFF_DEMS: &[(&str, &[u8])] = &[
    ("odesa", include_bytes!("../../data/terrain/odesa.tif")),
    (
        "corridor",
        include_bytes!("../../data/terrain/corridor.tif"),
    ),
];

impl Dem {
    /// One of the DEMs shipped in `data/terrain/` ([`BUILTIN_DEMS`]).
    ///
    /// `"kyiv"` is a **synthetic** longitude/latitude grid at 0.005° over lon 29.50–31.30,
    /// lat 49.95–50.95: the Dnipro valley (about 95 m) running from the Kyiv reservoir in
    /// the north-north-west to the south-east, a steep, dissected right (west) bank rising to
    /// a 170–230 m plateau, and a low left-bank plain (105–150 m), with fractal detail. It
    /// is meant for examples and benchmarks, not for real planning.
    ///
    /// `"odesa"` and `"corridor"` are **real** relief ([`BUILTIN_GEOTIFF_DEMS`]): NOAA GLOBE
    /// 30″ (about 1 km) elevations, int16 metres, longitude/latitude, cut over each map's
    /// extent plus 0.3°; the sea is 0 m (GLOBE's ocean flag was set to 0).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an unknown name.
    ///
    /// # Examples
    /// ```
    /// use skycover::terrain::{Dem, DemCrs};
    /// let dem = Dem::builtin("kyiv")?;
    /// assert_eq!(dem.crs(), DemCrs::LonLat);
    /// let river = dem.sample(30.56, 50.45).unwrap(); // the Dnipro in Kyiv
    /// let right_bank = dem.sample(30.30, 50.45).unwrap();
    /// assert!(right_bank > river + 50.0);
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn builtin(name: &str) -> Result<Dem> {
        if let Some((_, bytes)) = BUILTIN_GEOTIFF_DEMS.iter().find(|(n, _)| *n == name) {
            return Dem::from_geotiff_bytes(bytes);
        }
        let text = BUILTIN_DEMS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .ok_or_else(|| Error::InvalidInput {
                what: "DEM name".into(),
                reason: format!(
                    "unknown built-in DEM \"{name}\" (known: {})",
                    BUILTIN_DEMS
                        .iter()
                        .map(|(n, _)| *n)
                        .chain(BUILTIN_GEOTIFF_DEMS.iter().map(|(n, _)| *n))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?;
        // shipped and documented as WGS84 longitude/latitude: declared, not assumed
        Ok(Dem::from_asc_str(text)?.with_crs(DemCrs::LonLat))
    }
}
