//! Exhaustion curve: expected leakers per asset against raid size, as a table and a picture.
//!
//! # Examples
//! ```
//! use skycover::raid::{exhaustion_curve, Raid, RaidModel, RaidOptions};
//! use skycover::{Scenario, Terrain};
//! let s = Scenario::builtin("corridor")?;
//! let raid = Raid::from_scenario(&s, 1, 600.0)?;
//! let model = RaidModel::new(&s, s.sites(), &Terrain::Flat, &raid, None)?;
//! let opts = RaidOptions { replications: 100, ..RaidOptions::default() };
//! let curve = exhaustion_curve(&model, &raid, &[0, 10, 40], &opts)?;
//! assert_eq!(curve.points.len(), 3);
//! assert_eq!(curve.points[0].total.mean, 0.0);
//! assert!(curve.to_csv().lines().count() == 4);
//! let path = std::env::temp_dir().join("skycover-doc-exhaustion.svg");
//! curve.write_svg(&path)?;
//! # Ok::<(), skycover::Error>(())
//! ```

use super::{simulate, Estimate, Raid, RaidModel, RaidOptions};
use crate::error::{Error, Result};
use plotters::prelude::*;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// Most points one curve may hold.
pub const MAX_POINTS: usize = 1_000;

/// One raid size of the curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExhaustionPoint {
    /// Threats in the raid.
    pub size: u32,
    /// Expected leakers, all assets.
    pub total: Estimate,
    /// Expected leakers per asset (index = asset).
    pub per_asset: Vec<Estimate>,
    /// Expected interceptor rounds fired, all classes.
    pub rounds: f64,
}

/// Leakers against raid size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExhaustionCurve {
    /// Asset ids (index = asset).
    pub asset_ids: Vec<String>,
    /// One point per raid size, in the order asked.
    pub points: Vec<ExhaustionPoint>,
}

/// The exhaustion curve of `raid` scaled to each of `sizes` ([`Raid::scaled_to`]), each size
/// simulated with the same options (the same seed: common random numbers across sizes).
///
/// Parameters: the model, the raid whose mix of waves is kept, the raid sizes and options.
///
/// Returns: an [`ExhaustionCurve`].
///
/// Complexity: one [`simulate`] per size.
///
/// # Errors
/// [`Error::InvalidInput`] for no sizes or more than [`MAX_POINTS`]; as [`simulate`].
///
/// # Examples
/// See the [module docs](self).
pub fn exhaustion_curve(
    model: &RaidModel,
    raid: &Raid,
    sizes: &[u32],
    opts: &RaidOptions,
) -> Result<ExhaustionCurve> {
    if sizes.is_empty() || sizes.len() > MAX_POINTS {
        return Err(Error::InvalidInput {
            what: "exhaustion_curve.sizes".into(),
            reason: format!("{} sizes, need 1..={MAX_POINTS}", sizes.len()),
        });
    }
    let mut points = Vec::with_capacity(sizes.len());
    for &n in sizes {
        let out = simulate(model, &raid.scaled_to(n), opts)?;
        points.push(ExhaustionPoint {
            size: n,
            total: out.total_leakers,
            per_asset: out.per_asset.iter().map(|a| a.leakers).collect(),
            rounds: out.interceptors.iter().map(|c| c.rounds).sum(),
        });
    }
    Ok(ExhaustionCurve {
        asset_ids: model.asset_ids.clone(),
        points,
    })
}

impl ExhaustionCurve {
    /// The curve as CSV: `raid_size,total,total_lo,total_hi,rounds,<asset ids...>`.
    pub fn to_csv(&self) -> String {
        let mut s = String::from("raid_size,total_leakers,total_lo95,total_hi95,rounds");
        for id in &self.asset_ids {
            let _ = write!(s, ",{id}");
        }
        s.push('\n');
        for p in &self.points {
            let _ = write!(
                s,
                "{},{:.4},{:.4},{:.4},{:.3}",
                p.size, p.total.mean, p.total.lo, p.total.hi, p.rounds
            );
            for e in &p.per_asset {
                let _ = write!(s, ",{:.4}", e.mean);
            }
            s.push('\n');
        }
        s
    }

    /// Assets to draw: the (at most) `k` with most leakers at the largest size.
    fn top_assets(&self, k: usize) -> Vec<usize> {
        let Some(last) = self.points.iter().max_by_key(|p| p.size) else {
            return Vec::new();
        };
        let mut idx: Vec<usize> = (0..last.per_asset.len())
            .filter(|&a| last.per_asset[a].mean > 0.0)
            .collect();
        idx.sort_by(|&a, &b| {
            last.per_asset[b]
                .mean
                .total_cmp(&last.per_asset[a].mean)
                .then(a.cmp(&b))
        });
        idx.truncate(k);
        idx
    }

    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, plotters::coord::Shift>) -> Result<()>
    where
        DB::ErrorType: 'static,
    {
        crate::map::init_font();
        let err = |e: &dyn std::fmt::Debug| Error::Export {
            message: format!("exhaustion curve: drawing failed: {e:?}"),
        };
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let xmax = f64::from(self.points.iter().map(|p| p.size).max().unwrap_or(1).max(1));
        let ymax = self
            .points
            .iter()
            .map(|p| p.total.hi)
            .fold(1.0f64, f64::max)
            * 1.05;
        let mut chart = ChartBuilder::on(&root)
            .caption("Expected leakers against raid size", ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(0f64..xmax, 0f64..ymax)
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .x_desc("threats in the raid")
            .y_desc("expected leakers")
            .draw()
            .map_err(|e| err(&e))?;
        let mut pts: Vec<&ExhaustionPoint> = self.points.iter().collect();
        pts.sort_by_key(|p| p.size);
        // 95 % band of the total
        let band: Vec<(f64, f64)> = pts
            .iter()
            .map(|p| (f64::from(p.size), p.total.hi))
            .chain(
                pts.iter()
                    .rev()
                    .map(|p| (f64::from(p.size), p.total.lo.max(0.0))),
            )
            .collect();
        chart
            .draw_series(std::iter::once(Polygon::new(
                band,
                BLACK.mix(0.12).filled(),
            )))
            .map_err(|e| err(&e))?;
        chart
            .draw_series(LineSeries::new(
                pts.iter().map(|p| (f64::from(p.size), p.total.mean)),
                BLACK.stroke_width(3),
            ))
            .map_err(|e| err(&e))?
            .label("all assets (95 % band)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(3)));
        for (k, a) in self.top_assets(6).into_iter().enumerate() {
            let c = Palette99::pick(k).to_rgba();
            chart
                .draw_series(LineSeries::new(
                    pts.iter().map(|p| {
                        (
                            f64::from(p.size),
                            p.per_asset.get(a).map_or(0.0, |e| e.mean),
                        )
                    }),
                    c.stroke_width(2),
                ))
                .map_err(|e| err(&e))?
                .label(self.asset_ids[a].clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|e| err(&e))?;
        root.present().map_err(|e| err(&e))
    }

    /// Writes the curve as an SVG picture (900 × 560).
    ///
    /// # Errors
    /// [`Error::Io`] when the directory cannot be made; [`Error::Export`] when drawing fails.
    pub fn write_svg(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        make_dir(path)?;
        self.draw(SVGBackend::new(path, (900, 560)).into_drawing_area())
    }

    /// Writes the curve as a PNG picture (900 × 560).
    ///
    /// # Errors
    /// As [`write_svg`](Self::write_svg).
    pub fn write_png(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        make_dir(path)?;
        self.draw(BitMapBackend::new(path, (900, 560)).into_drawing_area())
    }
}

fn make_dir(path: &Path) -> Result<()> {
    if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(d).map_err(|e| Error::Export {
            message: format!("{}: {e}", d.display()),
        })?;
    }
    Ok(())
}
