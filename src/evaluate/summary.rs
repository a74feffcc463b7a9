//! Summaries of a depth map: per threat, overall, per asset.

use super::{Coverage, DepthMap, CHUNK};
use crate::catalogue::{Catalogue, ThreatId};
use crate::demand::{Demand, SampleOrigin};
use rayon::prelude::*;

/// Weighted coverage figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Weighted fraction of samples meeting their required depth, in [0, 1].
    pub fraction: f64,
    /// Depth-aware score `Σ w · min(depth, k) / k / Σ w` (k = required depth), in [0, 1].
    pub score: f64,
}

/// Coverage against one threat class.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreatCoverage {
    /// The threat.
    pub threat: ThreatId,
    /// Weighted fraction of samples whose depth meets the required depth on every layer of
    /// the threat, in [0, 1].
    pub fraction: f64,
    /// Depth-aware score `Σ w · min(depth, k) / k / Σ w`, averaged over the threat's layers,
    /// in [0, 1].
    pub score: f64,
    /// Total sample weight.
    pub total_weight: f64,
    /// Weight of the samples meeting the threat.
    pub covered_weight: f64,
    /// Number of samples (grid and points) failing the threat.
    pub failing_samples: usize,
    /// Number of grid samples (cells) failing the threat.
    pub gap_cells: usize,
    /// Area of the failing grid cells, km².
    pub gap_area_km2: f64,
    /// Indices of the defended assets failing the threat, increasing.
    pub assets_failing: Vec<usize>,
}

/// The coverage status of one defended asset.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetStatus {
    /// Index of the asset in the scenario.
    pub asset: usize,
    /// Its demand sample.
    pub sample: usize,
    /// Depth per threat (minimum over the threat's layers), indexed by [`ThreatId`].
    pub depth: Vec<u8>,
    /// Required depth per threat, indexed by [`ThreatId`].
    pub required: Vec<u8>,
    /// Indices of the layers whose depth is below the required depth of their threat.
    pub failing_layers: Vec<usize>,
}

impl AssetStatus {
    /// True when every layer meets its required depth.
    pub fn is_covered(&self) -> bool {
        self.failing_layers.is_empty()
    }

    /// True when the asset fails `threat` (out-of-range threats do not fail).
    pub fn fails(&self, threat: ThreatId) -> bool {
        match (self.depth.get(threat.0), self.required.get(threat.0)) {
            (Some(d), Some(r)) => d < r,
            _ => false,
        }
    }
}

/// Sums over one chunk of samples, per threat.
struct ChunkStats {
    total_w: f64,
    covered_w: Vec<f64>,
    score: Vec<f64>,
    failing: Vec<usize>,
    gap: Vec<usize>,
    bits: Vec<Vec<u64>>,
}

/// Computes the summaries of `depth` and packs everything into a [`Coverage`].
pub(super) fn summarise(catalogue: &Catalogue, demand: &Demand, depth: DepthMap) -> Coverage {
    let nt = catalogue.threats().len();
    let n = depth.samples;
    let ng = demand.grid_samples();
    let by_threat: Vec<Vec<usize>> = (0..nt)
        .map(|t| catalogue.layers_of(ThreatId(t)).map(|l| l.index).collect())
        .collect();
    let weights = demand.weights();
    let inv_k: [f64; 256] = std::array::from_fn(|k| if k == 0 { 0.0 } else { 1.0 / k as f64 });
    let n_chunks = n.div_ceil(CHUNK);
    let stats: Vec<ChunkStats> = (0..n_chunks)
        .into_par_iter()
        .map(|c| {
            let s0 = c * CHUNK;
            let s1 = (s0 + CHUNK).min(n);
            let w = &weights[s0..s1];
            let total_w: f64 = w.iter().sum();
            let mut st = ChunkStats {
                total_w,
                covered_w: vec![0.0; nt],
                score: vec![0.0; nt],
                failing: vec![0; nt],
                gap: vec![0; nt],
                bits: Vec::with_capacity(nt),
            };
            let mut mind = vec![0u8; s1 - s0];
            let mut sc = vec![0.0f64; s1 - s0];
            for (t, layers) in by_threat.iter().enumerate() {
                mind.fill(u8::MAX);
                sc.fill(0.0);
                for &l in layers {
                    let d = &depth.layer(l)[s0..s1];
                    for (k, ((m, s), &dv)) in mind.iter_mut().zip(sc.iter_mut()).zip(d).enumerate()
                    {
                        let req = demand.required_depth(s0 + k, ThreatId(t));
                        *m = (*m).min(dv);
                        *s += f64::from(dv.min(req)) * inv_k[req as usize];
                    }
                }
                let mut words = vec![0u64; (s1 - s0).div_ceil(64)];
                let (mut cov, mut score, mut failing, mut gap) = (0.0, 0.0, 0, 0);
                for (k, ((&m, &s), &wk)) in mind.iter().zip(&sc).zip(w).enumerate() {
                    let req = demand.required_depth(s0 + k, ThreatId(t));
                    score += wk * s;
                    if layers.is_empty() || m >= req {
                        cov += wk;
                    } else {
                        failing += 1;
                        if s0 + k < ng {
                            gap += 1;
                        }
                        words[k / 64] |= 1 << (k % 64);
                    }
                }
                st.covered_w[t] = cov;
                st.score[t] = score;
                st.failing[t] = failing;
                st.gap[t] = gap;
                st.bits.push(words);
            }
            st
        })
        .collect();

    // Deterministic reduction, in chunk order.
    let mut total_w = 0.0;
    let mut covered_w = vec![0.0; nt];
    let mut score = vec![0.0; nt];
    let mut failing_n = vec![0usize; nt];
    let mut gap = vec![0usize; nt];
    let mut failing: Vec<Vec<u64>> = (0..nt)
        .map(|_| Vec::with_capacity(n.div_ceil(64)))
        .collect();
    for st in stats {
        total_w += st.total_w;
        for t in 0..nt {
            covered_w[t] += st.covered_w[t];
            score[t] += st.score[t];
            failing_n[t] += st.failing[t];
            gap[t] += st.gap[t];
        }
        for (f, b) in failing.iter_mut().zip(st.bits) {
            f.extend_from_slice(&b);
        }
    }

    // Assets.
    let layers = catalogue.layers().to_vec();
    let mut assets = Vec::new();
    for (s, o) in demand.origins().iter().enumerate() {
        let SampleOrigin::Asset(a) = *o else { continue };
        let required = demand.required_depths(s).to_vec();
        let depth_t: Vec<u8> = by_threat
            .iter()
            .map(|ls| ls.iter().map(|&l| depth.get(s, l)).min().unwrap_or(u8::MAX))
            .collect();
        let failing_layers = layers
            .iter()
            .filter(|l| depth.get(s, l.index) < required[l.threat.0])
            .map(|l| l.index)
            .collect();
        assets.push(AssetStatus {
            asset: a,
            sample: s,
            depth: depth_t,
            required,
            failing_layers,
        });
    }

    let cell_area = demand.grid().cell_area_km2();
    let ratio = |a: f64, b: f64| {
        if b > 0.0 {
            (a / b).clamp(0.0, 1.0)
        } else {
            1.0
        }
    };
    let threats: Vec<ThreatCoverage> = (0..nt)
        .map(|t| {
            let nl = by_threat[t].len().max(1) as f64;
            ThreatCoverage {
                threat: ThreatId(t),
                fraction: ratio(covered_w[t], total_w),
                score: ratio(score[t] / nl, total_w),
                total_weight: total_w,
                covered_weight: covered_w[t],
                failing_samples: failing_n[t],
                gap_cells: gap[t],
                gap_area_km2: gap[t] as f64 * cell_area,
                assets_failing: assets
                    .iter()
                    .filter(|a| a.fails(ThreatId(t)))
                    .map(|a| a.asset)
                    .collect(),
            }
        })
        .collect();
    let (mut wsum, mut fsum, mut ssum) = (0.0, 0.0, 0.0);
    for (t, tc) in threats.iter().enumerate() {
        let w = catalogue.threat(ThreatId(t)).weight;
        wsum += w;
        fsum += w * tc.fraction;
        ssum += w * tc.score;
    }
    let overall = Summary {
        fraction: ratio(fsum, wsum),
        score: ratio(ssum, wsum),
    };
    Coverage {
        depth,
        layers,
        threats,
        overall,
        assets,
        failing,
        grid_samples: ng,
    }
}
