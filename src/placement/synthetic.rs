//! Seeded synthetic maximal-covering instances, for benchmarks and comparisons.
//!
//! Demand points are drawn from Gaussian clusters (plus a uniform background) in a square;
//! candidates half near the clusters, half uniform; a candidate covers the demand points within
//! a fixed radius. Everything comes from one seeded
//! [`Xoshiro256PlusPlus`], so an instance is reproducible from
//! its parameters.
//!
//! [`Xoshiro256PlusPlus`]: rand::rngs::Xoshiro256PlusPlus

use super::matrix::CoverageMatrix;
use crate::error::{Error, Result};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use rstar::primitives::GeomWithData;
use rstar::RTree;

/// A synthetic MCLP instance in a square of side `side_m`.
///
/// # Examples
/// ```
/// use skycover::placement::synthetic::SyntheticInstance;
/// let inst = SyntheticInstance::clustered(2_000, 200, 300_000.0, 20_000.0, 1);
/// let m = inst.matrix()?;
/// assert_eq!((m.n_units(), m.n_candidates()), (2_000, 200));
/// assert!(m.nnz() > 0);
/// # Ok::<(), skycover::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticInstance {
    /// Demand point positions, metres.
    pub demand: Vec<[f64; 2]>,
    /// Demand weights (1 to 10).
    pub weights: Vec<f64>,
    /// Candidate positions, metres.
    pub candidates: Vec<[f64; 2]>,
    /// Coverage radius, metres.
    pub radius_m: f64,
    /// Side of the square, metres.
    pub side_m: f64,
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

impl SyntheticInstance {
    /// `n_demand` points in about 15 Gaussian clusters (σ 6 to 25 km, 80 % of the points) over a
    /// uniform background, `n_candidates` candidates (half near clusters, half uniform), in a
    /// square of side `side_m`, covering within `radius_m`.
    pub fn clustered(
        n_demand: usize,
        n_candidates: usize,
        side_m: f64,
        radius_m: f64,
        seed: u64,
    ) -> SyntheticInstance {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let n_clusters = 15;
        let clusters: Vec<([f64; 2], f64)> = (0..n_clusters)
            .map(|_| {
                let c = [rng.random::<f64>() * side_m, rng.random::<f64>() * side_m];
                let sigma = side_m * (0.01 + 0.03 * rng.random::<f64>());
                (c, sigma)
            })
            .collect();
        let clamp = |v: f64| v.clamp(0.0, side_m);
        let point = |rng: &mut Xoshiro256PlusPlus, clustered: bool, spread: f64| -> [f64; 2] {
            if clustered {
                let (c, s) =
                    clusters[(rng.random::<f64>() * n_clusters as f64) as usize % n_clusters];
                [
                    clamp(c[0] + normal(rng) * s * spread),
                    clamp(c[1] + normal(rng) * s * spread),
                ]
            } else {
                [rng.random::<f64>() * side_m, rng.random::<f64>() * side_m]
            }
        };
        let demand: Vec<[f64; 2]> = (0..n_demand)
            .map(|_| {
                let clustered = rng.random::<f64>() < 0.8;
                point(&mut rng, clustered, 1.0)
            })
            .collect();
        let weights: Vec<f64> = (0..n_demand)
            .map(|_| 1.0 + (rng.random::<f64>() * 10.0).floor().min(9.0))
            .collect();
        let candidates: Vec<[f64; 2]> = (0..n_candidates)
            .map(|_| {
                let clustered = rng.random::<f64>() < 0.5;
                point(&mut rng, clustered, 1.5)
            })
            .collect();
        SyntheticInstance {
            demand,
            weights,
            candidates,
            radius_m,
            side_m,
        }
    }

    /// The coverage matrix: candidate `c` covers the demand points within `radius_m`, found
    /// through an R-tree of demand points.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a non-finite or negative radius, or invalid weights.
    pub fn matrix(&self) -> Result<CoverageMatrix> {
        if !self.radius_m.is_finite() || self.radius_m < 0.0 {
            return Err(Error::InvalidInput {
                what: "radius_m".into(),
                reason: format!("{} must be finite and ≥ 0", self.radius_m),
            });
        }
        let tree = RTree::bulk_load(
            self.demand
                .iter()
                .enumerate()
                .map(|(i, p)| GeomWithData::new(*p, i as u32))
                .collect(),
        );
        let r2 = self.radius_m * self.radius_m;
        let mut m = CoverageMatrix::new(self.weights.clone())?;
        let mut row: Vec<u32> = Vec::new();
        for c in &self.candidates {
            row.clear();
            row.extend(tree.locate_within_distance(*c, r2).map(|g| g.data));
            row.sort_unstable();
            m.push_sorted(&row);
        }
        Ok(m)
    }
}

/// A reference covering instance as stored in the project's shared bench folder (see its
/// README): JSON members `demand` (`[x, y]` km), `weight`, `candidates` (`[x, y]` km),
/// `radius` (km), optional `p` and `seed`. Coordinates stay in kilometres (the
/// [`SyntheticInstance`]'s `_m` fields then hold kilometres; coverage is scale-free).
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceInstance {
    /// The points, weights, candidates and radius.
    pub instance: SyntheticInstance,
    /// The number of sites to choose, when the file says (MCLP instances).
    pub p: Option<usize>,
}

#[derive(serde::Deserialize)]
struct ReferenceJson {
    demand: Vec<[f64; 2]>,
    weight: Vec<f64>,
    candidates: Vec<[f64; 2]>,
    radius: f64,
    p: Option<usize>,
}

impl ReferenceInstance {
    /// Parses a reference instance.
    ///
    /// # Errors
    /// [`Error::Json`] for malformed JSON; [`Error::InvalidInput`] when `weight` and
    /// `demand` differ in length or a coordinate is not finite.
    ///
    /// # Examples
    /// ```
    /// use skycover::placement::synthetic::ReferenceInstance;
    /// let text = r#"{"demand": [[0, 0], [5, 0]], "weight": [2, 3], "candidates": [[1, 0]],
    ///                "radius": 2, "p": 1, "seed": 0}"#;
    /// let r = ReferenceInstance::from_json(text)?;
    /// assert_eq!(r.p, Some(1));
    /// assert_eq!(r.instance.matrix()?.objective_of(&[0]), 2.0);
    /// # Ok::<(), skycover::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<ReferenceInstance> {
        let j: ReferenceJson = serde_json::from_str(text).map_err(|e| Error::Json {
            what: "reference instance",
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        if j.weight.len() != j.demand.len() {
            return Err(Error::InvalidInput {
                what: "reference instance `weight`".into(),
                reason: format!(
                    "{} weights for {} demand points",
                    j.weight.len(),
                    j.demand.len()
                ),
            });
        }
        if let Some(i) = j
            .demand
            .iter()
            .chain(&j.candidates)
            .position(|p| !p[0].is_finite() || !p[1].is_finite())
        {
            return Err(Error::InvalidInput {
                what: "reference instance coordinates".into(),
                reason: format!("point {i} (demand first, then candidates) is not finite"),
            });
        }
        Ok(ReferenceInstance {
            instance: SyntheticInstance {
                demand: j.demand,
                weights: j.weight,
                candidates: j.candidates,
                radius_m: j.radius,
                side_m: 300.0,
            },
            p: j.p,
        })
    }

    /// Reads and parses a reference instance file.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read, otherwise as [`from_json`](Self::from_json).
    pub fn load(path: &std::path::Path) -> Result<ReferenceInstance> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Self::from_json(&text)
    }
}
